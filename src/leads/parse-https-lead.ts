import { buildLeadDetails } from './build-lead-details';
import type { LeadDetails } from './lead';
import { LeadPayloadError } from './lead-payload-error';
import { parseCustomer } from './parse-customer';
import { Fields, isPlainObject, kindOf } from './read-fields';

const LEAD_FIELDS = ['UserDetails', 'LeadSource', 'ActionCode', 'OfferTitle', 'Description'];

/**
 * Parses the HTTPS-endpoint payload (docs/domain.md §1.1). Every property is optional, as in
 * Microsoft's own schema, but a body with none of them is not a lead.
 */
export function parseHttpsLead(body: unknown): LeadDetails {
  if (!isPlainObject(body)) {
    throw new LeadPayloadError(
      `The body must be a JSON object with the marketplace lead fields (${LEAD_FIELDS.join(', ')}), but it is ${kindOf(body)}`,
    );
  }
  const fields = new Fields(body, '');
  if (!LEAD_FIELDS.some((name) => fields.has(name))) {
    throw new LeadPayloadError(
      `The body has none of the marketplace lead fields (${LEAD_FIELDS.join(', ')}); is this URL the right one for the sender?`,
    );
  }
  return buildLeadDetails({
    customer: parseCustomer(fields.object('UserDetails')),
    leadSource: fields.text('LeadSource'),
    actionCode: fields.text('ActionCode'),
    offerTitle: fields.text('OfferTitle'),
    description: fields.text('Description'),
  });
}
