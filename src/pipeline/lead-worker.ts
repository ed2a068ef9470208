import { DynamicsError } from '../dynamics/dynamics-error';
import type { Logger } from '../logging/create-logger';
import { backoffDelay } from '../timing/backoff';
import type { LeadLease, LeadQueue } from '../storage/lead-queue';
import type { LeadStore, StoredLead } from '../storage/lead-store';
import type { Telemetry } from '../telemetry/telemetry';
import type { DeadLetters } from './dead-letters';
import type { LeadNotifier } from './lead-notifier';
import type { LeadWriter } from './lead-writer';

export interface LeadWorkerDeps {
  readonly leads: LeadStore;
  readonly queue: LeadQueue;
  readonly deadLetters: DeadLetters;
  readonly writer: LeadWriter;
  readonly notifier: LeadNotifier;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Told when leads start waiting on a configuration problem, and of every write (the alarm). */
  readonly watcher?: PipelineWatcher;
  /** Application Insights, when it is set. */
  readonly telemetry?: Telemetry | undefined;
}

/** Hears how the pipeline fares, without slowing it: calls return at once. */
export interface PipelineWatcher {
  /** Leads must wait: told at every failure while it lasts (the first probe, and every probe after). */
  blocked(block: PipelineBlock): void;
  /** A lead was written to Dynamics. */
  written(): void;
}

export interface LeadWorkerOptions {
  /** Failed writes of one lead before it is dead-lettered. */
  readonly maxAttempts: number;
  readonly batchSize: number;
  /** How long a taken lead stays hidden from other workers if this one dies (renewed while held). */
  readonly hideMs: number;
  /** Pause between looks at an empty queue. */
  readonly idleMs: number;
  /** While sign-in or permissions are broken, one lead is tried this often. */
  readonly probeMs: number;
  /** First wait before a lead that failed is tried again; doubles per attempt, up to 15 minutes. */
  readonly retryBaseMs: number;
}

export const DEFAULT_WORKER_OPTIONS: Omit<LeadWorkerOptions, 'maxAttempts'> = {
  batchSize: 16,
  hideMs: 5 * 60_000,
  idleMs: 2_000,
  probeMs: 60_000,
  retryBaseMs: 5_000,
};

const MAX_RETRY_DELAY_MS = 15 * 60_000;

/** Why no lead can be written now: a configuration error an admin must fix. */
export interface PipelineBlock {
  readonly error: DynamicsError;
  readonly since: Date;
}

/**
 * Takes queued leads (any number of instances may run one), writes each into Dynamics, hands
 * it to notification and finishes it. Failures never drop a lead:
 * - transient (throttling, outages): the lead is retried later with backoff, and
 *   dead-lettered after `maxAttempts`;
 * - configuration (sign-in, role, URL): every lead waits; the worker pauses and probes with
 *   one lead at a time until the admin's fix works, then carries on by itself;
 * - rejected by Dynamics: dead-lettered at once, with the reason.
 */
export class LeadWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private block: PipelineBlock | undefined;
  private nudged = false;
  /** Leads taken and not yet finished: handed back if the process must exit without finishing them. */
  private readonly inHand = new Set<LeadLease>();

  constructor(
    private readonly deps: LeadWorkerDeps,
    private readonly options: LeadWorkerOptions,
  ) {}

  /** Why leads are waiting, if they are. */
  get blocked(): PipelineBlock | undefined {
    return this.block;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking leads and waits for those in hand; leads not finished reappear on the queue. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /**
   * Hands every lead in hand back to the queue at once (for a process about to exit before its
   * work finishes): another instance takes them now rather than after `hideMs`. A write still in
   * flight may land too; the next one finds the record there (the lead id is the record id).
   */
  async handBack(): Promise<void> {
    await Promise.allSettled([...this.inHand].map((lease) => lease.postpone(0)));
  }

  /**
   * A lead was just queued on this instance: look now rather than at the next poll. Other
   * instances still find it by polling; a blocked worker keeps its probing pace.
   */
  nudge(): void {
    if (this.block !== undefined) return;
    this.nudged = true; // in case it comes while a batch is being fetched, not during a pause
    this.wake?.();
  }

  /** Takes one batch (a single lead while blocked) and works it; returns how many were taken. */
  async runOnce(): Promise<number> {
    const batch = await this.deps.queue.receive(this.block ? 1 : this.options.batchSize, this.options.hideMs);
    await Promise.allSettled(batch.map((lease) => this.work(lease)));
    return batch.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let taken = 0;
      try {
        taken = await this.runOnce();
      } catch (err) {
        this.deps.logger.error({ err }, 'lead queue unavailable; will try again');
      }
      // stop() may have come while the batch was worked: do not sleep through it.
      if (this.stopRequested()) break;
      const nudged = this.nudged;
      this.nudged = false;
      if ((taken === 0 && !nudged) || this.block) await this.pause(this.block ? this.options.probeMs : this.options.idleMs);
    }
  }

  private stopRequested(): boolean {
    return !this.running;
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async work(lease: LeadLease): Promise<void> {
    const log = this.deps.logger.child({ leadId: lease.leadId });
    this.inHand.add(lease);
    try {
      const lead = lease.leadId === undefined ? undefined : await this.deps.leads.get(lease.leadId);
      if (lead === undefined) {
        log.warn('queue message names no stored lead; discarded');
        await lease.complete();
        return;
      }
      await this.advance(lead, lease, log);
    } catch (error) {
      // Anything else (storage trouble, a bug): the message reappears after hideMs and is tried again.
      if (!(error instanceof DynamicsError)) {
        log.error({ err: error }, 'lead not processed; it stays queued');
        return;
      }
      await this.fail(error, lease, log).catch((err: unknown) => {
        log.error({ err, code: error.code }, 'could not record the failure; the lead stays queued');
      });
    } finally {
      this.inHand.delete(lease);
      lease.release();
    }
  }

  /** Moves a lead on from wherever it is; a lead seen again (re-sent, re-queued) resumes. */
  private async advance(lead: StoredLead, lease: LeadLease, log: Logger): Promise<void> {
    if (lead.status === 'done' || lead.status === 'dead-lettered') {
      await lease.complete();
      return;
    }
    let current = lead;
    if (lead.status !== 'written') {
      const written = await this.deps.writer.write(lead);
      const at = this.deps.now().toISOString();
      await this.deps.leads.update(lead.id, { status: 'written', dynamicsId: written.recordId, writtenAt: at });
      current = { ...lead, status: 'written', dynamicsId: written.recordId, writtenAt: at };
      log.info({ dynamicsId: written.recordId, alreadyThere: !written.created }, 'lead written to Dynamics');
      this.recovered(log);
      this.deps.watcher?.written();
      this.deps.telemetry?.leadProcessed('written');
    }
    await this.deps.notifier.notify(current, current.dynamicsId === undefined ? undefined : this.deps.writer.recordUrl(current.dynamicsId));
    await this.deps.leads.update(lead.id, { status: 'done', doneAt: this.deps.now().toISOString() });
    await lease.complete();
  }

  private async fail(error: DynamicsError, lease: LeadLease, log: Logger): Promise<void> {
    const leadId = lease.leadId ?? '';
    const failure = { lastErrorCode: error.code, lastError: error.message };
    this.deps.telemetry?.failed('dynamics-write', error.code);
    if (error.kind === 'configuration') {
      if (this.block?.error.code !== error.code) {
        log.error({ code: error.code, fix: error.fix }, `leads are waiting: ${error.message}`);
        this.block = { error, since: this.deps.now() };
      }
      this.deps.watcher?.blocked(this.block);
      await this.deps.leads.update(leadId, { status: 'waiting', ...failure });
      await lease.postpone(this.options.probeMs);
      return;
    }
    const lead = await this.deps.leads.get(leadId);
    const attempts = (lead?.attempts ?? 0) + 1;
    if (error.kind === 'rejected' || attempts >= this.options.maxAttempts) {
      log.error({ code: error.code, attempts }, `lead dead-lettered: ${error.message}`);
      await this.deps.deadLetters.add({ leadId, code: error.code, reason: error.message, fix: error.fix, at: this.deps.now().toISOString() });
      await lease.complete();
      this.deps.telemetry?.leadProcessed('dead-lettered');
      return;
    }
    const delay = error.retryAfterMs ?? backoffDelay(attempts, this.options.retryBaseMs, MAX_RETRY_DELAY_MS);
    log.warn({ code: error.code, attempts, retryInMs: delay }, `lead will be retried: ${error.message}`);
    await this.deps.leads.update(leadId, { status: 'waiting', attempts, ...failure });
    await lease.postpone(delay);
    this.deps.telemetry?.retried('dynamics-write');
  }

  private recovered(log: Logger): void {
    if (this.block === undefined) return;
    log.info({ code: this.block.error.code, since: this.block.since.toISOString() }, 'Dynamics works again; waiting leads are being written');
    this.block = undefined;
  }
}
