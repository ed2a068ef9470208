import { Template } from 'adaptivecards-templating';
import type { Language, Reader } from '../language/language';
import { message, templateText, type MessageKey } from '../language/messages';
import { formatDate, formatTime } from '../language/times';
import type { KnownCustomer } from '../leads/known-customer';
import type { Lead } from '../leads/lead';
import type { Routing } from '../routing/route-lead';
import { DISQUALIFY_REASONS, type DisqualifyReason, type Escalation, type OwnerStanding, type StoredLead } from '../storage/lead-store';
import template from './lead-card.json';

/** Why a lead is not in Dynamics (yet), in the sales team's terms: each reader gets it in their words. */
export type NotWrittenReason = 'writing' | 'transient' | 'configuration' | 'rejected' | 'gaveUp';

/** Where the lead stands in Dynamics: written (with its record), or not yet and why, or not at all. */
export type DynamicsStanding =
  | { readonly state: 'written'; readonly url: string | undefined }
  | { readonly state: 'pending' | 'failed'; readonly reason: NotWrittenReason };

/** What a lead card shows; everything a person sees, already in words. */
export interface LeadCardInput {
  /**
   * With its routing once routed (a lead no route took says so to the admins it went to), and
   * once claimed, by whom ('' when Teams gave no name) and whether they own it in Dynamics too.
   */
  readonly lead: Lead & { readonly routing?: Routing | undefined; readonly claimedBy?: string | undefined; readonly owner?: OwnerStanding | undefined } & Partial<SellerActions>;
  readonly dynamics: DynamicsStanding;
}

/** What sellers did with the lead from its card, and whether Dynamics shows it. */
type SellerActions = Pick<StoredLead, 'contacted' | 'disqualified' | 'statusInDynamics' | 'escalation' | 'knownCustomer'>;

export type AdaptiveCardJson = Record<string, unknown>;

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const RECORD_URL = /^https:\/\/[^\s/?#]+\/main\.aspx\?pagetype=entityrecord&etn=(lead|contact|account)&id=[0-9a-f-]{36}$/i;

/** A Dynamics record link we built ourselves, of this table: the only kind of URL a card may carry. */
export function isRecordUrl(url: string, table: 'lead' | 'contact' | 'account' = 'lead'): boolean {
  return RECORD_URL.exec(url)?.[1]?.toLowerCase() === table;
}

/**
 * The lead alert as an Adaptive Card (schema 1.5, as Teams renders it), in the reader's
 * language and time zone. Pure: the same lead gives the same card. Every value from the lead
 * goes into a TextRun, which renders no markdown, so a lead named "[Click](https://evil.example)"
 * stays plain text; links are only built from checked e-mail addresses and Dynamics record URLs.
 */
export function leadCard(input: LeadCardInput, reader: Reader): AdaptiveCardJson {
  const { lead, dynamics } = input;
  const { language } = reader;
  const dynamicsUrl = dynamics.state === 'written' && dynamics.url !== undefined && isRecordUrl(dynamics.url) ? dynamics.url : '';
  const described = describeLead(lead, reader);
  return new Template(template).expand({
    $root: {
      text: templateText(language, 'leadCard.'),
      ...described,
      fallbackText: message(language, 'leadCard.fallbackText', { headline: described.headline }),
      doNotContact: lead.doNotContact,
      isTest: lead.isTest,
      noRoute: lead.routing?.kind === 'no-route',
      ownDomain: lead.routing?.kind === 'own-domain' ? message(language, 'leadCard.ownDomain', { domain: lead.routing.domain }) : '',
      turnNote: lead.claimedBy === undefined ? turnNote(lead.routing, language) : '',
      known: knownLines(lead.knownCustomer, reader),
      escalationNote: lead.claimedBy === undefined && lead.disqualified === undefined && !lead.isTest ? escalationNote(lead.escalation, language) : '',
      leadId: lead.id,
      dynamicsUrl,
      dynamicsLine: dynamicsLine(dynamics, language),
      dynamicsColor: dynamics.state === 'written' ? 'Good' : dynamics.state === 'pending' ? 'Warning' : 'Attention',
      mailto: mailtoOf(lead),
      claimed: lead.claimedBy !== undefined,
      claimedBy: lead.claimedBy === undefined ? '' : claimerName(lead.claimedBy, language),
      ownerLine: lead.claimedBy === undefined || lead.isTest ? '' : ownerLine(lead.owner, language),
      ownerColor: lead.owner?.state === 'done' ? 'Good' : lead.owner?.state === 'pending' && lead.owner.code === undefined ? 'Default' : 'Warning',
      ...sellerActions(lead, reader),
    },
  }) as AdaptiveCardJson;
}

/** Contacted and disqualified, and whether Dynamics shows it: the lines and the buttons that still apply. */
function sellerActions(lead: LeadCardInput['lead'], reader: Reader): Record<string, unknown> {
  const { language } = reader;
  const { contacted, disqualified, statusInDynamics: status } = lead;
  const open = !lead.isTest && disqualified === undefined;
  return {
    contactedLine: contacted === undefined ? '' : message(language, 'leadCard.contactedBy', { ...named(contacted.by), time: formatTime(contacted.at, reader) }),
    disqualifiedLine: disqualified === undefined ? '' : message(language, 'leadCard.disqualifiedBy', { ...named(disqualified.by), reason: reasonText(disqualified.reason, language) }),
    statusLine:
      status?.state === 'refused' ? message(language, 'leadCard.statusRefused', { code: status.code }) : status?.state === 'pending' && status.code !== undefined ? message(language, 'leadCard.statusWaiting') : '',
    canMarkContacted: open && contacted === undefined,
    canDisqualify: open,
    reasons: DISQUALIFY_REASONS.map((value) => ({ title: reasonText(value, language), value: String(value) })),
  };
}

/** A person's name for a sentence that reads "a colleague" when Teams gave none. */
function named(name: string): { name: string; named: 'yes' | 'no' } {
  return { name, named: name === '' ? 'no' : 'yes' };
}

/** A disqualify reason, as the Lead table names its status reasons. */
function reasonText(reason: DisqualifyReason, language: Language): string {
  return message(language, `leadCard.disqualifyReason.${reason}`);
}

/** Who claimed a lead, as shown: their name, or "a colleague" when Teams gave none. */
export function claimerName(claimedBy: string, language: Language): string {
  return claimedBy === '' ? message(language, 'leadCard.aColleague') : claimedBy;
}

/** Whether the claimer owns the lead in Dynamics too, in a seller's words; '' before anyone claims it. */
function ownerLine(owner: OwnerStanding | undefined, language: Language): string {
  switch (owner?.state) {
    case undefined:
      return '';
    case 'done':
      return message(language, 'leadCard.ownerDone', { name: owner.name });
    case 'no-user':
      return message(language, 'leadCard.ownerNoUser');
    case 'refused':
      return message(language, 'leadCard.ownerRefused', { code: owner.code });
    case 'pending':
      return message(language, owner.code === undefined ? 'leadCard.ownerPending' : 'leadCard.ownerWaiting');
  }
}

/**
 * What Dynamics knew of the customer (#16), each with its record's link: a line for a contact with
 * their address, another open lead of theirs (and who owns it), their company's account.
 */
function knownLines(known: KnownCustomer | undefined, reader: Reader): { said: string; name: string; url: string }[] {
  const { language } = reader;
  const lines = [
    known?.contact === undefined ? undefined : { said: message(language, 'leadCard.knownContact', { date: formatDate(known.contact.since, reader) }), ...known.contact, table: 'contact' as const },
    known?.openLead === undefined ? undefined : { said: message(language, 'leadCard.knownLead', { owner: known.openLead.owner, owned: known.openLead.owner === '' ? 'no' : 'yes' }), ...known.openLead, table: 'lead' as const },
    known?.account === undefined ? undefined : { said: message(language, 'leadCard.knownAccount'), ...known.account, table: 'account' as const },
  ];
  return lines.flatMap((l) => (l !== undefined && isRecordUrl(l.url, l.table) ? [{ said: l.said, name: clip(l.name, SHOWN.value) || message(language, 'leadCard.knownRecord'), url: l.url }] : []));
}

/** Why an unclaimed lead's card came again (#16): nobody claimed it in time. */
function escalationNote(escalation: Escalation | undefined, language: Language): string {
  if (escalation === undefined) return '';
  return message(language, `leadCard.escalated.${escalation.step}`, { minutes: String(escalation.minutes) });
}

/** Where an unclaimed round-robin lead is in its turn, in a seller's words. */
function turnNote(routing: Routing | undefined, language: Language): string {
  const turn = routing?.kind === 'route' ? routing.turn : undefined;
  if (turn?.everyone === true) return message(language, 'leadCard.turnEveryone');
  if (turn?.until !== undefined) return message(language, 'leadCard.turnOffered', { minutes: turn.claimWithinMinutes });
  return '';
}

/** A lead in words, as every alert shows it (the card, the mail): values from the lead are untrusted text. */
export interface LeadDescription {
  readonly headline: string;
  readonly who: string;
  readonly role: string;
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  readonly notes: string;
}

/**
 * How much of each value from the lead an alert shows: Teams refuses a message over about 28 KB,
 * and a lead's fields may each hold thousands of characters. The rest stays in Dynamics.
 */
const SHOWN = { notes: 2_000, value: 200 } as const;

const GRAPHEMES = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** The text, cut to `max` characters as a reader counts them (never inside one) with "…" when longer. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  let count = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    if (++count === max) return `${kept}…`;
    kept += segment;
  }
  return text;
}

/** Marketplace action codes we have words for (src/leads/describe-action.ts); others show as Partner Center sent them. */
const ACTION_WORDS: Readonly<Record<string, MessageKey>> = {
  ins: 'action.ins',
  plt: 'action.plt',
  dnc: 'action.dnc',
  create: 'action.create',
  starttestdrive: 'action.starttestdrive',
};

/** The lead's action in the reader's words ("Get it now", "지금 받기"); a code we do not know, as given. */
function actionIn(lead: Lead, language: Language): string {
  const key = ACTION_WORDS[lead.source.actionCode.toLowerCase()];
  return key === undefined ? lead.source.action : message(language, key);
}

/**
 * A lead as the reader reads it: labels in their language, the time in the team's zone. The
 * lead's own values (names, notes, company) are shown as they came, never translated.
 */
export function describeLead(lead: Lead, reader: Reader): LeadDescription {
  const { language } = reader;
  const shown = (text: string): string => clip(text, SHOWN.value);
  const { customer } = lead;
  const c = { firstName: shown(customer.firstName), lastName: shown(customer.lastName), email: shown(customer.email), phone: shown(customer.phone), country: shown(customer.country), company: shown(customer.company), title: shown(customer.title) };
  const name = [c.firstName, c.lastName].filter((p) => p !== '').join(' ');
  const offer = clip(lead.source.offerTitle || lead.source.offerId || message(language, 'lead.anOffer'), SHOWN.value);
  const facts: [MessageKey, string][] = [
    ['lead.email', c.email],
    ['lead.phone', c.phone],
    ['lead.country', c.country],
    ['lead.offer', lead.source.offerId === '' ? offer : `${offer} (${lead.source.offerId})`],
    ['lead.source', [lead.source.channel, lead.source.actionCode].filter((p) => p !== '').join(', ')],
    ['lead.received', formatTime(lead.receivedAt, reader)],
  ];
  return {
    headline: message(language, 'lead.headline', { action: actionIn(lead, language) || message(language, 'lead.newLead'), offer }),
    who: name || c.email || message(language, 'lead.noName'),
    role: [c.title, c.company].filter((p) => p !== '').join(', '),
    facts: facts.filter(([, value]) => value !== '').map(([label, value]) => ({ label: message(language, label), value })),
    notes: clip(lead.description, SHOWN.notes),
  };
}

const REASONS: Readonly<Record<NotWrittenReason, MessageKey>> = {
  writing: 'dynamics.reason.writing',
  transient: 'dynamics.reason.transient',
  configuration: 'dynamics.reason.configuration',
  rejected: 'dynamics.reason.rejected',
  gaveUp: 'dynamics.reason.gaveUp',
};

/** "In Dynamics", or why not (yet). */
export function dynamicsLine(dynamics: DynamicsStanding, language: Language): string {
  if (dynamics.state === 'written') return message(language, 'dynamics.written');
  return message(language, dynamics.state === 'pending' ? 'dynamics.pending' : 'dynamics.failed', { reason: message(language, REASONS[dynamics.reason]) });
}

/**
 * A mailto link for the customer, when the address is one and they did not ask not to be
 * contacted. The part before the @ is percent-encoded (RFC 6068), so an address the customer
 * typed with "?", "&", "%", "#" or "=" can never add headers or a body to the seller's mail.
 */
export function mailtoOf(lead: Lead): string {
  const email = lead.customer.email;
  if (!EMAIL.test(email) || lead.doNotContact) return '';
  const at = email.lastIndexOf('@');
  return `mailto:${encodeURIComponent(email.slice(0, at))}${email.slice(at)}`;
}
