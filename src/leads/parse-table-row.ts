import { buildLeadDetails } from './build-lead-details';
import type { LeadDetails } from './lead';
import { LeadPayloadError } from './lead-payload-error';
import { parseCustomer } from './parse-customer';
import { Fields, isPlainObject } from './read-fields';

/**
 * Parses a row of Partner Center's Azure Table destination (docs/domain.md §1.2), where the
 * customer's details arrive as a JSON string in `CustomerInfo`.
 */
export function parseTableRow(row: Record<string, unknown>): LeadDetails {
  const fields = new Fields(row, '');
  return buildLeadDetails({
    customer: parseCustomer(readCustomerInfo(fields)),
    leadSource: fields.text('LeadSource'),
    actionCode: fields.text('ActionCode'),
    offerTitle: fields.text('OfferDisplayName'),
    description: fields.text('Description'),
  });
}

function readCustomerInfo(fields: Fields): Fields {
  const text = fields.text('CustomerInfo');
  if (text === '') return new Fields({}, 'CustomerInfo');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LeadPayloadError('CustomerInfo is not valid JSON');
  }
  if (!isPlainObject(parsed)) throw new LeadPayloadError('CustomerInfo must hold a JSON object');
  return new Fields(parsed, 'CustomerInfo');
}
