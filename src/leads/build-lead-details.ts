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
  const { firstName, lastName, email, phone, country, company, title } = input.customer;
  const values = [firstName, lastName, email, phone, country, company, title, input.leadSource, input.offerTitle, input.description];
  return {
    customer: input.customer,
    source,
    description: input.description,
    // Partner Center's Validate button and publishing send leads marked MSFT_TEST in their values.
    isTest: values.some((v) => v.toLowerCase().includes(TEST_MARKER)),
    doNotContact: source.actionCode.toUpperCase() === 'DNC',
  };
}
