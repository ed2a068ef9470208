import type { LeadDetails } from '../leads/lead';
import { isAtDomain } from '../leads/email';
import { firstMatch } from './match-route';
import type { Route } from './route';

/**
 * Who a lead was routed to, decided once when its alert first goes out and kept with the lead,
 * so a retry, a catch-up or a changed route never sends it to anyone else.
 */
export type Routing =
  /** The first route that matched it; a round-robin route's lead has its turn. */
  | { readonly kind: 'route'; readonly route: string; readonly contacts: readonly string[]; readonly chats: readonly string[]; readonly turn?: Turn }
  /** No route matched: LEAD_CONTACTS, the route of last resort (the only one before routes existed). */
  | { readonly kind: 'contacts'; readonly contacts: readonly string[] }
  /** Nothing matched and LEAD_CONTACTS is empty: the admins get it, never nobody. */
  | { readonly kind: 'no-route' }
  /** From the publisher's own domain (OWN_DOMAINS): a colleague trying the offer, for the admins only. */
  | { readonly kind: 'own-domain'; readonly domain: string };

/**
 * A round-robin lead's place in its route: `contacts` of the routing are those offered it so far,
 * in turn; its chats come in when it goes to everyone.
 */
export interface Turn {
  /** The route's contacts in turn order, and its chats, as they were when the lead was routed. */
  readonly order: readonly string[];
  readonly chats: readonly string[];
  readonly claimWithinMinutes: number;
  /** When it passes to the next contact unless claimed (ISO); undefined once it no longer passes on. */
  readonly until: string | undefined;
  /** Nobody claimed it in turn: the whole route has it. */
  readonly everyone: boolean;
}

/** Who is told of a lead: contacts (by address), chats (by conversation id), and whether the admins are. */
export interface Audience {
  readonly contacts: readonly string[];
  readonly chats: readonly string[];
  readonly admins: boolean;
  /** Everyone routes or LEAD_CONTACTS name (peopleWithOwnLeads): a `subscribe` of theirs never means every lead. */
  readonly withOwnLeads?: readonly string[];
}

/** Everyone a route or LEAD_CONTACTS names: people who get leads of their own. */
export function peopleWithOwnLeads(routes: readonly Route[], leadContacts: readonly string[]): string[] {
  return [...new Set([...routes.flatMap((r) => r.contacts), ...leadContacts])];
}

/**
 * Whom a lead goes to: its first matching route's contacts and chats, or, for a round-robin route,
 * the contact `inTurn` picks (the next one not away; undefined when all are: then everyone).
 */
export async function routeLead(
  lead: LeadDetails,
  routes: readonly Route[],
  leadContacts: readonly string[],
  inTurn: (route: Route) => Promise<string | undefined>,
  now: Date,
  ownDomains: readonly string[] = [],
): Promise<Routing> {
  const domain = isAtDomain(lead.customer.email, ownDomains);
  if (domain !== undefined) return { kind: 'own-domain', domain };
  const route = firstMatch(routes, lead);
  if (route === undefined) return leadContacts.length > 0 ? { kind: 'contacts', contacts: leadContacts } : { kind: 'no-route' };
  if (route.mode === 'broadcast') return { kind: 'route', route: route.name, contacts: route.contacts, chats: route.chats };
  const turn: Turn = { order: route.contacts, chats: route.chats, claimWithinMinutes: route.claimWithinMinutes, until: undefined, everyone: false };
  const first = await inTurn(route);
  if (first === undefined) return everyone(route.name, turn);
  // A do-not-contact lead is for information: it stays with the one whose turn it is.
  return { kind: 'route', route: route.name, contacts: [first], chats: [], turn: { ...turn, until: lead.doNotContact ? undefined : deadline(now, turn) } };
}

/**
 * The next step of a round-robin lead nobody claimed in time: the next contact after the last one
 * offered it who has not had it and is not `skipped` (away…), or, when there is none, the whole route.
 * 'unchanged' while its contact's time is not up; 'stop' when it does not pass on (any more).
 */
export function passOn(routing: Routing | undefined, skipped: (contact: string) => boolean, now: Date): Routing | 'unchanged' | 'stop' {
  const turn = routing?.kind === 'route' ? routing.turn : undefined;
  if (routing?.kind !== 'route' || turn?.until === undefined) return 'stop';
  if (Date.parse(turn.until) > now.getTime()) return 'unchanged';
  const last = turn.order.indexOf(routing.contacts.at(-1) ?? '');
  const after = [...turn.order.slice(last + 1), ...turn.order.slice(0, last + 1)];
  const next = after.find((c) => !routing.contacts.includes(c) && !skipped(c));
  if (next === undefined) return everyone(routing.route, turn);
  return { ...routing, contacts: [...routing.contacts, next], turn: { ...turn, until: deadline(now, turn) } };
}

function everyone(route: string, turn: Turn): Routing {
  return { kind: 'route', route, contacts: turn.order, chats: turn.chats, turn: { ...turn, until: undefined, everyone: true } };
}

function deadline(now: Date, turn: Turn): string {
  return new Date(now.getTime() + turn.claimWithinMinutes * 60_000).toISOString();
}

/**
 * The people and chats a routed lead goes to. A lead kept from before routing has none recorded:
 * it went to LEAD_CONTACTS. For the admins, those named by address may be mailed too.
 */
export function audienceOf(routing: Routing | undefined, settings: { readonly leadContacts: readonly string[]; readonly admins: readonly string[] }): Audience {
  switch (routing?.kind) {
    case 'route':
      return { contacts: routing.contacts, chats: routing.chats, admins: false };
    case 'no-route':
    case 'own-domain':
      return { contacts: settings.admins.filter((a) => a.includes('@')), chats: [], admins: true };
    case 'contacts':
      return { contacts: routing.contacts, chats: [], admins: false };
    case undefined:
      return { contacts: settings.leadContacts, chats: [], admins: false };
  }
}

/** How `status`, `route test` and the logs name where a lead went. */
export function describeRouting(routing: Routing | undefined): string {
  switch (routing?.kind) {
    case 'route':
      return `route "${routing.route}"`;
    case 'no-route':
      return 'no route (the admins)';
    case 'own-domain':
      return `own domain ${routing.domain} (the admins)`;
    default:
      return 'LEAD_CONTACTS';
  }
}
