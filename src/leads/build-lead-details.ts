import type { Customer, LeadDetails } from './lead';
import { parseLeadSource } from './parse-lead-source';

const TEST_MARKER = 'msft_test';

/** The parts shared by both destinations' formats, turned into one normalised lead. */
export function buildLeadDetails(input: {
  customer: Customer;
  leadSource: string;
  actionCode: string;
  offerTitle: string;
  description: string;
}): LeadDetails {
  const source = parseLeadSource(input.leadSource, input.actionCode, input.offerTitle);
  // Partner Center's Validate button and publishing mark a test lead in the customer's names and
  // e-mail; the free text a customer types (description, company, title) never makes a lead a test.
  const { firstName, lastName, email } = input.customer;
  return {
    customer: input.customer,
    source,
    description: input.description,
    isTest: [firstName, lastName, email].some((v) => v.toLowerCase().includes(TEST_MARKER)),
    doNotContact: source.actionCode.toUpperCase() === 'DNC',
  };
}
