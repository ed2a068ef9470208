import type { LeadDetails } from '../leads/lead';
import { leadAction, leadChannel, leadCountry } from './lead-traits';
import { MATCH_FIELDS, type Route } from './route';

export type MatchField = (typeof MATCH_FIELDS)[number];

/** The first route that takes this lead, in order; undefined when none does. */
export function firstMatch(routes: readonly Route[], lead: LeadDetails): Route | undefined {
  return routes.find((route) => matches(route, lead));
}

/** Whether a route takes this lead: every field it sets has the lead's value. */
export function matches(route: Route, lead: LeadDetails): boolean {
  return mismatch(route, lead) === undefined;
}

/** The first field of the route the lead's value is not in (what `route test` says); undefined when it matches. */
export function mismatch(route: Route, lead: LeadDetails): MatchField | undefined {
  const offer = lead.source.offerId;
  const fits: Readonly<Record<MatchField, boolean>> = {
    offers: within(route.offers, (pattern) => offerPattern(pattern).test(offer)),
    countries: within(route.countries, (country) => country === leadCountry(lead)),
    actions: within(route.actions, (action) => action === leadAction(lead)),
    channels: within(route.channels, (channel) => channel === leadChannel(lead)),
  };
  return MATCH_FIELDS.find((field) => !fits[field]);
}

/**
 * Whether `earlier` takes every lead `later` would, so `later` can never match. Sound, not
 * complete: it may miss a cover made of several values, never claim a false one. An offer
 * pattern covers another when it matches that pattern's own text: each `*` of the later one then
 * falls inside a `*` of the earlier one (offer ids hold no `*`), which takes any text it stands for.
 */
export function covers(earlier: Route, later: Route): boolean {
  const field = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined, covered: (a: T, b: T) => boolean): boolean =>
    a === undefined || (b !== undefined && b.every((x) => a.some((y) => covered(y, x))));
  const same = <T>(a: T, b: T): boolean => a === b;
  return (
    field(earlier.offers, later.offers, (a, b) => offerPattern(a).test(b)) &&
    field(earlier.countries, later.countries, same) &&
    field(earlier.actions, later.actions, same) &&
    field(earlier.channels, later.channels, same)
  );
}

/** An offer id pattern as a whole-string, case-insensitive expression; `*` is any text, the rest literal. */
export function offerPattern(pattern: string): RegExp {
  const literal = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
  return new RegExp(`^${literal.join('.*')}$`, 'i');
}

/** Absent: any value; set: one of its values. */
function within<T>(values: readonly T[] | undefined, has: (value: T) => boolean): boolean {
  return values === undefined || values.some(has);
}
