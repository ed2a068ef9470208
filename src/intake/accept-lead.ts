import type { LeadDetails, LeadOrigin } from '../leads/lead';
import { leadIdFor } from '../leads/lead-id';
import type { LeadQueue } from '../storage/lead-queue';
import type { LeadStore, StoredLead } from '../storage/lead-store';

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
      await queue(id, now, deps);
      return { leadId: id, duplicate: false, isTest: details.isTest };
    }
    const stored = await deps.leads.get(id);
    if (stored === undefined) {
      throw new Error(`Lead ${id} was reported as existing but could not be read; try again`);
    }
    if (now.getTime() - Date.parse(stored.receivedAt) <= identity.duplicateWindowMs) {
      await settleDuplicate(stored, now, deps);
      return { leadId: id, duplicate: true, isTest: stored.isTest };
    }
  }
  throw new Error(`Lead identity has more than ${MAX_OCCURRENCES} occurrences`);
}

async function settleDuplicate(stored: StoredLead, now: Date, deps: AcceptLeadDeps): Promise<void> {
  // An earlier delivery may have been stored but not queued (storage failed in between, and
  // the sender got a 503): this delivery finishes the job. A lead can thus be queued twice;
  // the pipeline is idempotent per lead id, so that costs one no-op, never a second record.
  if (stored.queuedAt === undefined) await queue(stored.id, now, deps);
  await deps.leads.recordDuplicate(stored, now);
}

async function queue(id: string, now: Date, deps: AcceptLeadDeps): Promise<void> {
  await deps.leadQueue.enqueue(id);
  await deps.leads.markQueued(id, now);
}
