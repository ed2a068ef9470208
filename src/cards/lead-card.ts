import { Template } from 'adaptivecards-templating';
import type { Lead } from '../leads/lead';
import { formatTime } from './format-time';
import template from './lead-card.json';

/** What a lead card shows; everything a person sees, already in words. */
export interface LeadCardInput {
  readonly lead: Lead;
  /** The record in Dynamics, when written. */
  readonly dynamicsUrl: string | undefined;
  /** Who claimed it, once someone has. */
  readonly claimedBy?: string;
}

export type AdaptiveCardJson = Record<string, unknown>;

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const RECORD_URL = /^https:\/\/[^\s/?#]+\/main\.aspx\?pagetype=entityrecord&etn=lead&id=[0-9a-f-]{36}$/i;

/** A Dynamics record link we built ourselves: the only kind of URL a card may carry. */
export function isRecordUrl(url: string): boolean {
  return RECORD_URL.test(url);
}

/**
 * The lead alert as an Adaptive Card (schema 1.5, as Teams renders it). Pure: the same lead
 * gives the same card. Every value from the lead goes into a TextRun, which renders no
 * markdown, so a lead named "[Click](https://evil.example)" stays plain text; links are only
 * built from checked e-mail addresses and Dynamics record URLs.
 */
export function leadCard(input: LeadCardInput): AdaptiveCardJson {
  const { lead } = input;
  const c = lead.customer;
  const name = [c.firstName, c.lastName].filter((p) => p !== '').join(' ');
  const offer = lead.source.offerTitle || lead.source.offerId || 'a marketplace offer';
  const facts = [
    ['E-mail', c.email],
    ['Phone', c.phone],
    ['Country', c.country],
    ['Offer', lead.source.offerId === '' ? offer : `${offer} (${lead.source.offerId})`],
    ['Source', [lead.source.channel, lead.source.actionCode].filter((p) => p !== '').join(', ')],
    ['Received', formatTime(lead.receivedAt)],
  ]
    .filter(([, value]) => value !== '')
    .map(([label, value]) => ({ label, value }));
  return new Template(template).expand({
    $root: {
      headline: `${lead.source.action || 'New lead'} — ${offer}`,
      who: name || c.email || 'No name given',
      role: [c.title, c.company].filter((p) => p !== '').join(', '),
      facts,
      notes: lead.description,
      doNotContact: lead.doNotContact,
      isTest: lead.isTest,
      leadId: lead.id,
      dynamicsUrl: input.dynamicsUrl !== undefined && isRecordUrl(input.dynamicsUrl) ? input.dynamicsUrl : '',
      mailto: EMAIL.test(c.email) && !lead.doNotContact ? `mailto:${c.email}` : '',
      claimedBy: input.claimedBy ?? '',
    },
  }) as AdaptiveCardJson;
}
