import type { LeadDetails } from '../leads/lead';
import { firstMatch } from './match-route';
import type { Route } from './route';

/**
 * Who a lead was routed to, decided once when its alert first goes out and kept with the lead,
 * so a retry, a catch-up or a changed route never sends it to anyone else.
 */
export type Routing =
  /** The first route that matched it. */
  | { readonly kind: 'route'; readonly route: string; readonly contacts: readonly string[]; readonly chats: readonly string[] }
  /** No route matched: LEAD_CONTACTS, the route of last resort (the only one before routes existed). */
  | { readonly kind: 'contacts'; readonly contacts: readonly string[] }
  /** Nothing matched and LEAD_CONTACTS is empty: the admins get it, never nobody. */
  | { readonly kind: 'no-route' };

/** Who is told of a lead: contacts (by address), chats (by conversation id), and whether the admins are. */
export interface Audience {
  readonly contacts: readonly string[];
  readonly chats: readonly string[];
  readonly admins: boolean;
}

export function routeLead(lead: LeadDetails, routes: readonly Route[], leadContacts: readonly string[]): Routing {
  const route = firstMatch(routes, lead);
  if (route !== undefined) return { kind: 'route', route: route.name, contacts: route.contacts, chats: route.chats };
  return leadContacts.length > 0 ? { kind: 'contacts', contacts: leadContacts } : { kind: 'no-route' };
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
    default:
      return 'LEAD_CONTACTS';
  }
}
