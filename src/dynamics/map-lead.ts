import type { Lead } from '../leads/lead';

/** A Dataverse `lead` row as the Web API takes it on create. */
export interface LeadRecord {
  readonly leadid: string;
  readonly subject: string;
  readonly firstname: string | null;
  readonly lastname: string;
  readonly companyname: string | null;
  readonly jobtitle: string | null;
  readonly emailaddress1: string | null;
  readonly telephone1: string | null;
  readonly address1_country: string | null;
  readonly description: string;
  readonly leadsourcecode: number;
}

/** Dataverse's maximum lengths for these lead columns (docs/domain.md §2); longer values are refused. */
export const COLUMN_LENGTHS = {
  subject: 300,
  firstname: 50,
  lastname: 50,
  companyname: 100,
  jobtitle: 100,
  emailaddress1: 100,
  telephone1: 50,
  address1_country: 80,
  description: 2000,
} as const;

/** `lastname` is required; a lead sent with none still becomes a valid record. */
export const MISSING_LAST_NAME = '(not provided)';

/**
 * Maps a marketplace lead onto the Dataverse lead table. The record id is the lead's own id,
 * so writing the same lead twice can only ever hit the same row.
 */
export function mapLead(lead: Lead, leadSourceCode: number): LeadRecord {
  const c = lead.customer;
  const offer = lead.source.offerTitle || lead.source.offerId || 'a marketplace offer';
  const action = lead.source.action || 'Marketplace lead';
  return {
    leadid: lead.id,
    subject: truncate(`${action} — ${offer}`, COLUMN_LENGTHS.subject),
    firstname: optional(c.firstName, COLUMN_LENGTHS.firstname),
    lastname: truncate(c.lastName || MISSING_LAST_NAME, COLUMN_LENGTHS.lastname),
    companyname: optional(c.company, COLUMN_LENGTHS.companyname),
    jobtitle: optional(c.title, COLUMN_LENGTHS.jobtitle),
    emailaddress1: optional(c.email, COLUMN_LENGTHS.emailaddress1),
    telephone1: optional(c.phone, COLUMN_LENGTHS.telephone1),
    address1_country: optional(c.country, COLUMN_LENGTHS.address1_country),
    description: describe(lead),
    leadsourcecode: leadSourceCode,
  };
}

/** The customer's notes first, then where the lead came from; the notes give way if too long. */
function describe(lead: Lead): string {
  const s = lead.source;
  const facts = [
    `Lead source: ${s.raw || '(none)'}`,
    `Action: ${s.action || '(none)'}${s.actionCode && s.actionCode !== s.action ? ` (${s.actionCode})` : ''}`,
    `Offer: ${s.offerTitle || '(none)'}${s.offerId ? ` (${s.offerId})` : ''}`,
    `Received: ${lead.receivedAt} via ${lead.origin === 'https' ? 'the HTTPS endpoint' : 'the Azure Table destination'}`,
    ...(lead.doNotContact ? ['The customer asked not to be contacted (DNC).'] : []),
  ].join('\n');
  if (lead.description === '') return truncate(facts, COLUMN_LENGTHS.description);
  const room = COLUMN_LENGTHS.description - facts.length - 2;
  return `${truncate(lead.description, Math.max(room, 0))}\n\n${facts}`.slice(0, COLUMN_LENGTHS.description);
}

function optional(value: string, max: number): string | null {
  return value === '' ? null : truncate(value, max);
}

/**
 * Cuts to at most `max` UTF-16 units (how Dataverse counts), never inside a surrogate pair,
 * and marks the cut with an ellipsis.
 */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 0) return '';
  let cut = value.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
