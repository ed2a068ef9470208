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
    if (outcome === 'created') {
      // Two writes, the lead and its message, and nothing else on the sender's path: a message
      // lost between them is found by the sweep (pipeline/lead-sweep.ts), not by a third write.
      await deps.leadQueue.enqueue(id);
      deps.onQueued?.();
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

/** A delivery stores and queues a lead within milliseconds: a younger repeat may be racing it. */
const IN_FLIGHT_MS = 2_000;

/**
 * A repeat may only be acknowledged once the lead is queued. A lead still 'received' with no
 * alert begun (no worker has taken it, nor has it been queued again) and older than a delivery
 * takes may have lost its message: the delivery that stored it failed before queueing it (its
 * sender got a 503, and this is the retry). This delivery queues it, and marks it so later repeats
 * don't. A younger one is left to the delivery in flight, or to the sweep should that one fail.
 */
async function settleDuplicate(stored: StoredLead, now: Date, deps: AcceptLeadDeps): Promise<void> {
  const mayBeLost = stored.status === 'received' && stored.alertedAs === undefined && now.getTime() - Date.parse(stored.receivedAt) >= IN_FLIGHT_MS;
  if (mayBeLost) {
    await deps.leadQueue.enqueue(stored.id);
    await deps.leads.markQueued(stored.id, now);
    deps.onQueued?.();
  }
  await deps.leads.recordDuplicate(stored, now);
}
