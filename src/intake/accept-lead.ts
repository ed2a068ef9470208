import { pollUntil } from '../timing/clock';
import type { LeadDetails, LeadOrigin } from '../leads/lead';
import { leadIdFor } from '../leads/lead-id';
import type { LeadQueue } from '../storage/lead-queue';
import type { LeadStore, StoredLead } from '../storage/lead-store';
import type { Telemetry } from '../telemetry/telemetry';

export interface AcceptedLead {
  readonly leadId: string;
  /** The same lead was already stored: nothing new was stored or queued for it. */
  readonly duplicate: boolean;
  readonly isTest: boolean;
}

export interface LeadIdentity {
  /** What makes two deliveries the same lead (a payload fingerprint, or a table row's keys). */
  readonly key: string;
  /** A repeat older than this is a new lead (the customer asked again); Infinity: never. */
  readonly duplicateWindowMs: number;
}

export interface AcceptLeadDeps {
  readonly leads: LeadStore;
  readonly leadQueue: LeadQueue;
  readonly now: () => Date;
  /** Told when a lead was queued, so this instance's worker can take it without waiting to poll. */
  readonly onQueued?: () => void;
  /** Application Insights, when it is set. */
  readonly telemetry?: Telemetry | undefined;
}

/** Enough for a customer to repeat the same request every window for years. */
const MAX_OCCURRENCES = 1000;

/**
 * Makes a lead durable and queued, exactly once per identity. Resolves only when both are
 * done, so a caller may acknowledge the sender; throws (and the sender retries) otherwise.
 *
 * Each occurrence of an identity gets a derived id (`key`, `key#1`, `key#2`…): a repeat inside
 * the window resolves to the stored id; one after it moves on to the next occurrence.
 */
export async function acceptLead(
  details: LeadDetails,
  origin: LeadOrigin,
  identity: LeadIdentity,
  deps: AcceptLeadDeps,
): Promise<AcceptedLead> {
  const now = deps.now();
  for (let occurrence = 0; occurrence < MAX_OCCURRENCES; occurrence++) {
    const id = leadIdFor(occurrence === 0 ? identity.key : `${identity.key}#${occurrence}`);
    const outcome = await deps.leads.create({ ...details, id, origin, receivedAt: now.toISOString() });
    if (outcome !== 'exists') {
      await queue(id, now, deps, outcome.etag);
      deps.telemetry?.leadReceived('accepted');
      return { leadId: id, duplicate: false, isTest: details.isTest };
    }
    const stored = await deps.leads.get(id);
    if (stored === undefined) {
      throw new Error(`Lead ${id} was reported as existing but could not be read; try again`);
    }
    if (now.getTime() - Date.parse(stored.receivedAt) <= identity.duplicateWindowMs) {
      await settleDuplicate(stored, now, deps);
      deps.telemetry?.leadReceived('duplicate');
      return { leadId: id, duplicate: true, isTest: stored.isTest };
    }
  }
  throw new Error(`Lead identity has more than ${MAX_OCCURRENCES} occurrences`);
}

/** How long a repeat waits for a delivery still in flight to finish queueing the lead. */
const IN_FLIGHT_WAIT_MS = 2000;
const IN_FLIGHT_POLL_MS = 50;

async function settleDuplicate(stored: StoredLead, now: Date, deps: AcceptLeadDeps): Promise<void> {
  // The repeat may only be acknowledged once the lead is queued. An earlier delivery may have
  // stored it and failed before queueing (its sender got a 503): then this delivery queues it.
  // First give a delivery still in flight a moment, so concurrent repeats don't all queue it.
  // Queued twice is still safe (the pipeline is idempotent per lead id), just wasted work.
  const inFlight = now.getTime() - Date.parse(stored.receivedAt) < IN_FLIGHT_WAIT_MS;
  const latest = stored.queuedAt === undefined && inFlight ? await waitUntilQueued(stored, deps) : stored;
  if (latest.queuedAt === undefined) await queue(stored.id, now, deps);
  await deps.leads.recordDuplicate(latest, now);
}

async function waitUntilQueued(stored: StoredLead, deps: AcceptLeadDeps): Promise<StoredLead> {
  let latest = stored;
  return pollUntil(
    async () => (latest = (await deps.leads.get(stored.id)) ?? latest),
    (lead) => lead.queuedAt !== undefined,
    { everyMs: IN_FLIGHT_POLL_MS, timeoutMs: IN_FLIGHT_WAIT_MS },
  );
}

async function queue(id: string, now: Date, deps: AcceptLeadDeps, createdEtag?: string): Promise<void> {
  await deps.leadQueue.enqueue(id);
  await deps.leads.markQueued(id, now, createdEtag);
  deps.onQueued?.();
}
