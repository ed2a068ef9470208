import type { Logger } from '../logging/create-logger';
import type { LeadQueue } from '../storage/lead-queue';
import type { LeadStore } from '../storage/lead-store';
import type { StorageLease } from '../storage/storage-lease';

export interface LeadSweepDeps {
  readonly leads: LeadStore;
  readonly queue: LeadQueue;
  /** Where leads wait for Dynamics (storage.waitingQueue): brought forward there. */
  readonly waitingQueue: LeadQueue;
  /** One instance sweeps at a time. */
  readonly lease: StorageLease;
  /** One instance brings waiting leads forward, once a minute at most. */
  readonly forwardLease: StorageLease;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * A lead still 'received', and untaken, this long after it arrived lost its queue message (the
 * intake takes milliseconds), or waits behind a backlog: queued again, it is taken twice at worst.
 */
export const UNQUEUED_AFTER_MS = 3 * 60_000;
const SWEEP_MS = 60_000;

/**
 * Finds leads that were stored but never queued (the queue failed after the store, and the
 * sender, answered 503, never sent them again; or the instance died in between) and queues
 * them. Queuing a lead twice is harmless: the pipeline does each step once per lead id.
 */
export class LeadSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private broughtForwardAt = -Infinity;

  constructor(private readonly deps: LeadSweepDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => {
        this.deps.logger.error({ err }, 'the sweep for unqueued leads failed; trying again in a minute');
      });
    }, SWEEP_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Dynamics works again after an outage: every lead waiting for it is queued now, rather than
   * when its own backoff comes (up to retryMaxMs later); not those it throttled. Once a minute at
   * most, by one instance; how many leads it queued. A lead queued again is written once: its
   * older message finds it done, or, should it fail again, both come back on its backoff.
   */
  async bringForward(): Promise<number> {
    const now = this.deps.now().getTime();
    // The lease keeps the other instances out; this one keeps to once a minute itself.
    if (now - this.broughtForwardAt < SWEEP_MS || !(await this.deps.forwardLease.acquire(SWEEP_MS))) return 0;
    this.broughtForwardAt = now;
    const waiting = await this.deps.leads.waitingOnOutage();
    for (const leadId of waiting) await this.deps.waitingQueue.enqueue(leadId);
    if (waiting.length > 0) this.deps.logger.info({ leads: waiting.length }, 'Dynamics works again: the leads waiting for it are queued now');
    return waiting.length;
  }

  /** One sweep; how many leads it queued (0 too when another instance holds the sweep). */
  tick(): Promise<number> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweep(): Promise<number> {
    if (!(await this.deps.lease.acquire(SWEEP_MS + 30_000))) return 0;
    const now = this.deps.now();
    const lost = await this.deps.leads.unqueued(new Date(now.getTime() - UNQUEUED_AFTER_MS));
    for (const leadId of lost) {
      await this.deps.queue.enqueue(leadId);
      await this.deps.leads.markQueued(leadId, now);
      this.deps.logger.child({ leadId }).warn('lead found stored but never queued; queued now');
    }
    return lost.length;
  }
}
