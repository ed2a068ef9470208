import { leadAction } from '../routing/lead-traits';
import type { LeadAction } from '../routing/route';
import type { DigestFigures, Pace } from '../cards/digest-card';
import type { LeadHistory } from '../storage/lead-store';

/** How far back the unclaimed backlog looks: older leads are Dynamics' business, not a digest's. */
export const BACKLOG_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * The digest's figures for the day from `from` to `to`, from the leads received since BACKLOG_DAYS before `to`. Test leads and
 * leads from the publisher's own domains are not the sales team's and count nowhere;
 * do-not-contact leads count as received, never as waiting. Times run from a lead's arrival to its
 * claim and to its first touch (Mark contacted), whenever those came.
 */
export function digestFigures(history: readonly LeadHistory[], from: Date, to: Date): DigestFigures {
  const leads = history.filter((l) => !l.isTest && l.routing?.kind !== 'own-domain' && l.receivedAt < to.toISOString());
  const day = leads.filter((l) => l.receivedAt >= from.toISOString());
  const waiting = leads
    .filter((l) => l.claimant === undefined && l.disqualified === undefined && !l.doNotContact && l.receivedAt >= new Date(to.getTime() - BACKLOG_DAYS * DAY_MS).toISOString())
    .map((l) => l.receivedAt)
    .sort();
  // One row per offer id, named by its title.
  const offers = groupBy(day, (l) => l.source.offerId || l.source.offerTitle).map(([, of]) => ({
    offer: of[0]?.source.offerTitle || of[0]?.source.offerId || '',
    received: of.length,
    toClaim: pace(of, claimedAt),
    toFirstTouch: pace(of, touchedAt),
  }));
  const claimed = day.filter((l) => l.claimant !== undefined);
  const bySeller = groupBy(claimed, personOf(claimed));
  const names = bySeller.map(([, of]) => sellerName(of));
  const sellers = bySeller.map(([, of]) => {
    const name = sellerName(of);
    const email = of.find((l) => l.claimant?.email !== undefined)?.claimant?.email;
    // Two people of one name told apart by their address.
    const shared = names.filter((n) => n === name).length > 1;
    return { seller: shared && email !== undefined ? `${name} (${email})` : name, toClaim: pace(of, claimedAt), toFirstTouch: pace(of, touchedAt) };
  });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    received: day.length,
    actions: actionsOf(day),
    toClaim: pace(day, claimedAt),
    toFirstTouch: pace(day, touchedAt),
    offers: offers.sort((a, b) => b.received - a.received || a.offer.localeCompare(b.offer)),
    sellers: sellers.sort((a, b) => b.toClaim.count - a.toClaim.count || a.seller.localeCompare(b.seller)),
    backlog: { count: waiting.length, oldest: waiting[0] },
  };
}

/**
 * Who claimed a lead, as one key per person: their Entra id. A claim from a lead mail has only the
 * address (and the address as its name): it is theirs when a Teams claim of the day has both.
 */
function personOf(claimed: readonly LeadHistory[]): (lead: LeadHistory) => string {
  const idOf = new Map(claimed.flatMap(({ claimant: c }) => (c?.aadObjectId !== undefined && c.email !== undefined ? [[c.email.toLowerCase(), c.aadObjectId.toLowerCase()] as const] : [])));
  return ({ claimant: c }) => {
    const email = c?.email?.toLowerCase();
    return c?.aadObjectId?.toLowerCase() ?? (email === undefined ? undefined : (idOf.get(email) ?? email)) ?? c?.name ?? '';
  };
}

/** A seller's name as Teams gave it, rather than the address a mail claim stands in with. */
function sellerName(of: readonly LeadHistory[]): string {
  const names = of.map((l) => l.claimant?.name ?? '');
  return names.find((n) => n !== '' && !n.includes('@')) ?? names[0] ?? '';
}

function claimedAt(lead: LeadHistory): string | undefined {
  return lead.claimant?.at;
}

function touchedAt(lead: LeadHistory): string | undefined {
  return lead.contacted?.at;
}

function actionsOf(leads: readonly LeadHistory[]): Record<LeadAction | 'other', number> {
  const counts = { 'contact-me': 0, trial: 0, purchase: 0, other: 0 };
  for (const lead of leads) counts[leadAction(lead) ?? 'other']++;
  return counts;
}

/** The median of the minutes from arrival to `at`, over the leads that have one. */
function pace(leads: readonly LeadHistory[], at: (lead: LeadHistory) => string | undefined): Pace {
  const minutes = leads.flatMap((l) => {
    const when = at(l);
    return when === undefined ? [] : [Math.max(0, (Date.parse(when) - Date.parse(l.receivedAt)) / 60_000)];
  });
  minutes.sort((a, b) => a - b);
  const mid = Math.floor(minutes.length / 2);
  const median = minutes.length === 0 ? undefined : minutes.length % 2 === 1 ? minutes[mid] : ((minutes[mid - 1] ?? 0) + (minutes[mid] ?? 0)) / 2;
  return { count: minutes.length, medianMinutes: median === undefined ? undefined : Math.round(median) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups];
}
