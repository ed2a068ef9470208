// Stryker disable all: `npm run mutate` tests the worker's decisions below (what is retried, what
// waits for a fix, what is dead-lettered); the polling loop and the alert's timing are left to
// the timing tests, far too slow to run once per mutant.
import type { DynamicsStanding } from '../cards/lead-card';
import type { Logger } from '../logging/create-logger';
import { backoffDelay } from '../timing/backoff';
import type { LeadLease, LeadQueue } from '../storage/lead-queue';
import type { KnownCustomer } from '../leads/known-customer';
import type { LeadStatus, LeadStore, StoredLead } from '../storage/lead-store';
import type { Telemetry } from '../telemetry/telemetry';
import type { DeadLetters } from './dead-letters';
import { dynamicsStanding } from './dynamics-standing';
import { LeadFailure } from './lead-failure';
import type { LeadNotifier } from './lead-notifier';
import type { LeadWriter } from './lead-writer';
import { LEAD_NOT_FINISHED, notFinished } from './not-finished';

export interface LeadWorkerDeps {
  readonly leads: LeadStore;
  readonly queue: LeadQueue;
  /**
   * Where a lead waits for Dynamics once its alert is out (storage.waitingQueue): taken only
   * with room to spare, so a backlog never holds back a new lead's card. Without it, leads wait
   * on `queue`.
   */
  readonly waitingQueue?: LeadQueue;
  readonly deadLetters: DeadLetters;
  readonly writer: LeadWriter;
  readonly notifier: LeadNotifier;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Told when leads start waiting on a configuration problem, and of every write (the alarm). */
  readonly watcher?: PipelineWatcher;
  /** Application Insights, when it is set. */
  readonly telemetry?: Telemetry | undefined;
  /** Told of the first write after Dynamics failed (an outage, not a 429): the leads waiting for it may come now. */
  readonly recovered?: () => void;
  /** What Dynamics knows of a lead's customer already, looked up beside its first alert. */
  readonly customers?: KnownCustomers;
}

/** What Dynamics knows of a lead's customer (#16): found beside the alert, which never waits for it, then shown on every copy of its card. */
export interface KnownCustomers {
  /** Undefined when Dynamics was not asked (busy). */
  find(lead: StoredLead): Promise<KnownCustomer | undefined>;
  /** Keeps it with the lead and, when there is something to say, updates every copy of the card. */
  show(leadId: string, known: KnownCustomer): Promise<void>;
}

/** Hears how the pipeline fares, without slowing it: calls return at once. */
export interface PipelineWatcher {
  /** Leads must wait: told at every failure while it lasts (the first probe, and every probe after). */
  blocked(block: PipelineBlock): void;
  /** A lead was written to Dynamics. */
  written(): void;
}

export interface LeadWorkerOptions {
  /** How long after its arrival a lead whose writes keep failing for a passing reason is still retried. */
  readonly retryMs: number;
  readonly batchSize: number;
  /** How long a taken lead stays hidden from other workers if this one dies (renewed while held). */
  readonly hideMs: number;
  /** Pause between looks at an empty queue. */
  readonly idleMs: number;
  /** While sign-in or permissions are broken, one lead is tried this often. */
  readonly probeMs: number;
  /** First wait before a lead that failed is tried again; doubles per attempt, up to `retryMaxMs`. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /**
   * Passes over one lead that may fail for a reason other than Dynamics (Teams or Graph keep
   * refusing, a bug) before it is dead-lettered and the admins hear of it: no message circles for ever.
   */
  readonly maxFailedPasses: number;
  /** The longest wait before a lead whose pass failed is tried again (the first waits a twentieth of it). */
  readonly failedPassMs: number;
  /**
   * How long the alert may wait for Dynamics' answer before its first card goes (0: not at all;
   * each card says where the lead stands as it is sent). Test leads (the admins' Validate) wait
   * for the answer whole, to report it.
   */
  readonly alertGraceMs: number;
}

export const DEFAULT_WORKER_OPTIONS: Omit<LeadWorkerOptions, 'retryMs'> = {
  batchSize: 16,
  // Short, and renewed while working: a crashed instance's leads are another's within half a minute.
  hideMs: 20_000,
  idleMs: 2_000,
  probeMs: 60_000,
  retryBaseMs: 5_000,
  retryMaxMs: 15 * 60_000,
  // Twelve passes, within 15 s of each other at first, doubling up to five minutes apart: at most
  // about 40 minutes in all.
  failedPassMs: 5 * 60_000,
  maxFailedPasses: 12,
  // The card goes at once; Dynamics' answer shows on the cards sent after it, and updates those before.
  alertGraceMs: 0,
};

/** Why no lead can be written now: a configuration error an admin must fix. */
export interface PipelineBlock {
  readonly error: LeadFailure;
  readonly since: Date;
}

/** Statuses of a lead that still has to be written. */
const TO_WRITE = new Set<LeadStatus>(['received', 'queued', 'waiting']);

type WriteOutcome = { readonly written: { readonly recordId: string; readonly created: boolean } } | { readonly failed: LeadFailure };

/** A lead after a step, and when its message should come back (undefined: Dynamics is done with it). */
interface Progress {
  readonly lead: StoredLead;
  readonly retryInMs: number | undefined;
}

/**
 * Takes queued leads (any number of instances may run one) and does two things for each, each
 * on its own and each once: alerts its people (the notifier) and writes it into Dynamics. The
 * alert does not wait on Dynamics (`alertGraceMs`, 0 by default); each card says where the lead
 * stands there as it is sent, and those sent before it is written or given up are updated then.
 * Failures never drop a lead:
 * - transient (throttling, outages, timeouts): the write is retried with backoff for
 *   `retryMs` after the lead arrived, however many tries that takes, then dead-lettered;
 * - configuration (sign-in, role, URL): writes wait; one lead at a time probes every
 *   `probeMs` until the admin's fix works, then all carry on by themselves. New leads are
 *   still alerted meanwhile;
 * - rejected by Dynamics: dead-lettered at once, with the reason.
 */
export class LeadWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private block: PipelineBlock | undefined;
  /** While blocked, when (performance.now()) the next lead may try a write. */
  private nextProbeAt = 0;
  private nudged = false;
  /** A write failed for a reason other than a 429 since the last that worked. */
  private outage = false;
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
   * A lead was just queued on this instance: look now rather than at the next poll (its alert
   * goes out even while writes are blocked). Other instances still find it by polling.
   */
  nudge(): void {
    this.nudged = true; // in case it comes while a batch is being fetched, not during a pause
    this.wake?.();
  }

  /**
   * Takes more leads whenever there is room, and works each on its own: a lead whose write is
   * slow (Dynamics retrying, throttled, or down) never holds back the alerts of the leads after
   * it. Room counts the leads still being alerted (two batches at most); a lead whose alert is
   * out and which only waits for Dynamics makes room, up to four batches in hand in all. New
   * leads come first; leads waiting for Dynamics take one batch at most: a backlog drains at
   * Dynamics' pace either way, and more in hand at once would only land their storage work in
   * bursts ahead of a new lead's (the drain bench: a card's p99 of 5.5 s with three batches,
   * 0.3 s with one).
   */
  private async run(): Promise<void> {
    const working = new Set<Promise<void>>();
    let alerting = 0;
    let waiting = 0;
    const start = (lease: LeadLease, fromWaiting: boolean): void => {
      alerting++;
      if (fromWaiting) waiting++;
      let counted = true;
      const alerted = (): void => {
        if (!counted) return;
        counted = false;
        alerting--;
        // Room again: look at the queue now rather than at the next poll.
        this.wake?.();
      };
      const job = this.work(lease, alerted).finally(() => {
        working.delete(job);
        if (fromWaiting) waiting--;
        alerted();
        this.wake?.();
      });
      working.add(job);
    };
    while (this.running) {
      let taken = 0;
      const room = Math.min(2 * this.options.batchSize - alerting, 4 * this.options.batchSize - working.size);
      try {
        if (room > 0) {
          const batch = await this.deps.queue.receive(Math.min(room, this.options.batchSize), this.options.hideMs);
          taken = batch.length;
          for (const lease of batch) start(lease, false);
        }
        const spare = Math.min(room - taken, this.options.batchSize - waiting);
        if (this.deps.waitingQueue !== undefined && spare > 0) {
          const batch = await this.deps.waitingQueue.receive(Math.min(spare, this.options.batchSize), this.options.hideMs);
          taken += batch.length;
          for (const lease of batch) start(lease, true);
        }
      } catch (err) {
        this.deps.logger.error({ err }, 'lead queue unavailable; will try again');
      }
      // stop() may have come while the batch was fetched: do not sleep through it.
      if (this.stopRequested()) break;
      const nudged = this.nudged;
      this.nudged = false;
      if ((taken === 0 || room <= taken) && !nudged) await this.pause(this.options.idleMs);
    }
    await Promise.allSettled(working);
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

  private async work(lease: LeadLease, alerted: () => void): Promise<void> {
    const log = this.deps.logger.child({ leadId: lease.leadId });
    this.inHand.add(lease);
    lease.lost.addEventListener('abort', () => {
      log.warn({ err: lease.lost.reason as unknown }, 'lost hold of the lead: another worker may have it; this one stops at its next step');
    });
    let lead: StoredLead | undefined;
    try {
      // A lead queued twice (brought forward, swept) whose other message this worker holds: that
      // pass finishes the lead or keeps its own message for the next; two at once would alert or
      // update its cards twice.
      if (lease.leadId !== undefined && [...this.inHand].some((other) => other !== lease && other.leadId === lease.leadId)) {
        await lease.complete();
        return;
      }
      lead = lease.leadId === undefined ? undefined : await this.deps.leads.get(lease.leadId);
      if (lead === undefined) {
        log.warn('queue message names no stored lead; discarded');
        await lease.complete();
        return;
      }
      await this.advance(lead, lease, log, alerted);
    } catch (error) {
      if (lease.lost.aborted) {
        // Whoever has the lead now resumes it from what is stored.
        log.info('stopped working on a lead whose hold was lost');
        return;
      }
      // Storage trouble, an alert not delivered to everyone yet, a bug: the lead comes back
      // after failedPassMs and resumes where it is, a bounded number of times.
      log.error({ err: error, ...(error instanceof LeadFailure ? { code: error.code } : {}) }, 'lead not finished; it stays queued');
      if (lead !== undefined) await this.failedPass(lead, error, lease, log).catch(() => undefined);
    } finally {
      this.inHand.delete(lease);
      lease.release();
    }
  }

  /** Moves a lead on from wherever it is; a lead seen again (re-sent, re-queued, after a crash) resumes. */
  private async advance(stored: StoredLead, lease: LeadLease, log: Logger, alerted: () => void): Promise<void> {
    let lead = stored;
    let retryInMs: number | undefined;
    let write: Promise<WriteOutcome> | undefined;
    // What Dynamics knew of the customer: asked once a new lead is written there (a Dynamics that
    // is down has nothing to say); the cards never wait for it, and show it when it comes. Not
    // for a lead whose cards went out on an earlier pass (a backlog drained after an outage).
    const alertedBefore = lead.alertedAt !== undefined;
    let known: Promise<KnownCustomer | undefined> | undefined;
    if (TO_WRITE.has(lead.status)) {
      if (this.mayWrite()) write = this.tryWrite(lead);
      else ({ lead, retryInMs } = await this.waitForFix(lead));
    }
    // Dynamics' answer, recorded once, whenever it comes: while the cards go out, those sent
    // after it say so. Only the write's columns are taken, as the alert moves the lead on meanwhile.
    let settled: Promise<void> | undefined;
    const settle = (): Promise<void> => {
      settled ??= (write ?? Promise.reject(new Error('no write to settle'))).then(async (outcome) => {
        const recorded = await this.recordWrite(lead, outcome, log);
        lead = { ...lead, ...writeColumns(recorded.lead) };
        retryInMs = recorded.retryInMs;
        if ('written' in outcome && !alertedBefore && lead.knownCustomer === undefined && !lead.isTest) known = this.findCustomer(lead, log);
      });
      return settled;
    };
    try {
      // A done lead's alert is opened again when a round-robin lead passes on (TurnPasser).
      if (lead.alertedAt === undefined) {
        if (write !== undefined) {
          if (lead.isTest || (this.options.alertGraceMs > 0 && (await within(write, this.options.alertGraceMs)) !== undefined)) await settle();
          else settle().catch(() => undefined); // awaited below, after the alert
        }
        const standing = this.standing(lead);
        if (lead.alertedAs !== standing.state) {
          // An alert tried before, that reached some people only, said something else: their cards first.
          if (lead.alertedAs !== undefined) await this.deps.notifier.refresh(withSellerActions(lead, await this.deps.leads.get(lead.id)), standing);
          // Recorded before sending, so a retry knows what the cards sent so far say.
          await this.deps.leads.update(lead.id, { alertedAs: standing.state });
          lead = { ...lead, alertedAs: standing.state };
        }
        lease.lost.throwIfAborted();
        await this.deps.notifier.notify(lead, {
          now: () => this.standing(lead),
          answered: async (ms) => {
            if (write !== undefined) await within(settle().catch(() => undefined), ms);
            return this.standing(lead);
          },
        });
        // Told while the alert went out that the lead may be another worker's: stop before recording it for them.
        lease.lost.throwIfAborted();
        const alertedAt = this.deps.now().toISOString();
        // A round-robin lead passed on while this pass alerted the step before stays open for its next step.
        if (await this.deps.leads.recordAlerted(lead.id, alertedAt, lead.routing)) lead = { ...lead, alertedAt };
      }
    } finally {
      alerted();
      // Dynamics' answer is recorded whatever became of the alert.
      if (write !== undefined) await settle();
    }
    // The cards already out show what changed meanwhile: written, or given up. Built from the
    // lead as stored now, so a Claim made meanwhile stays on them.
    const standing = this.standing(lead);
    if (lead.alertedAs !== undefined && lead.alertedAs !== standing.state && standing.state !== 'pending') {
      const fresh = (await this.deps.leads.get(lead.id)) ?? lead;
      lease.lost.throwIfAborted();
      await this.deps.notifier.refresh(fresh, this.standing(fresh));
      await this.deps.leads.update(lead.id, { alertedAs: standing.state });
    }
    // Every copy is out and shows the standing: whatever Dynamics knew of the customer goes on all of them.
    await this.showCustomer(lead.id, await known, log);
    lease.lost.throwIfAborted();
    if (retryInMs !== undefined) {
      // Its alert is out: it waits for Dynamics where it holds back no new lead.
      await lease.moveTo(this.deps.waitingQueue ?? this.deps.queue, retryInMs);
      return;
    }
    if (lead.status === 'written') await this.deps.leads.update(lead.id, { status: 'done', doneAt: this.deps.now().toISOString() });
    await lease.complete();
  }

  // Stryker restore all
  /** Counts a pass that failed for a reason other than Dynamics; past the bound, gives the lead up. */
  private async failedPass(lead: StoredLead, error: unknown, lease: LeadLease, log: Logger): Promise<void> {
    const passes = lead.failedPasses + 1;
    if (passes < this.options.maxFailedPasses) {
      await this.deps.leads.update(lead.id, { failedPasses: passes });
      // Soon at first (most such failures pass in seconds: Teams busy, storage restarting), then
      // further apart, up to failedPassMs.
      await lease.postpone(backoffDelay(passes, this.options.failedPassMs / 20, this.options.failedPassMs));
      return;
    }
    const last = error instanceof LeadFailure ? `${error.message.slice(0, 300)} (${error.code})` : error instanceof Error ? error.message.slice(0, 300) : 'unknown';
    log.error({ passes }, 'lead given up after repeated failures other than Dynamics');
    await this.deps.deadLetters.add(
      { leadId: lead.id, code: LEAD_NOT_FINISHED, ...notFinished(passes, last), at: this.deps.now().toISOString() },
      { dynamics: false },
    );
    // Its alert starts over when it is re-driven; those already served are not served twice.
    await this.deps.leads.update(lead.id, { alertedAt: '', failedPasses: 0 });
    await lease.complete();
    this.deps.telemetry?.leadProcessed('dead-lettered');
  }

  private standing(lead: StoredLead): DynamicsStanding {
    return dynamicsStanding(lead, (id) => this.deps.writer.recordUrl(id));
  }

  /** Whether this lead may try a write now: always, except while blocked, when one lead probes per `probeMs`. */
  private mayWrite(): boolean {
    if (this.block === undefined) return true;
    if (performance.now() < this.nextProbeAt) return false;
    this.nextProbeAt = performance.now() + this.options.probeMs;
    return true;
  }

  private async tryWrite(lead: StoredLead): Promise<WriteOutcome> {
    try {
      return { written: await this.deps.writer.write(lead) };
    } catch (error) {
      if (error instanceof LeadFailure) return { failed: error };
      throw error;
    }
  }

  /** Writes are blocked and this lead is not the probe: it waits, saying why. */
  private async waitForFix(lead: StoredLead): Promise<Progress> {
    const block = this.block;
    if (block === undefined || lead.lastErrorCode === block.error.code) return { lead, retryInMs: this.options.probeMs };
    const failure = { status: 'waiting' as const, lastErrorCode: block.error.code, lastErrorKind: block.error.kind, lastError: block.error.message };
    await this.deps.leads.update(lead.id, failure);
    return { lead: { ...lead, ...failure }, retryInMs: this.options.probeMs };
  }

  private async recordWrite(lead: StoredLead, outcome: WriteOutcome, log: Logger): Promise<Progress> {
    if ('written' in outcome) {
      const written = { status: 'written' as const, dynamicsId: outcome.written.recordId, writtenAt: this.deps.now().toISOString() };
      await this.deps.leads.update(lead.id, written);
      log.info({ dynamicsId: written.dynamicsId, alreadyThere: !outcome.written.created }, 'lead written to Dynamics');
      this.recovered(log);
      if (this.outage) {
        this.outage = false;
        this.deps.recovered?.();
      }
      this.deps.watcher?.written();
      this.deps.telemetry?.leadProcessed('written');
      return { lead: { ...lead, ...written }, retryInMs: undefined };
    }
    const error = outcome.failed;
    const failure = { lastErrorCode: error.code, lastErrorKind: error.kind, lastError: error.message };
    this.deps.telemetry?.failed('dynamics-write', error.code);
    // A 429 says when to come back, and each lead does; an outage's end is seen by a write that works.
    if (error.kind !== 'rejected' && error.retryAfterMs === undefined) this.outage = true;
    if (error.kind === 'configuration') {
      if (this.block?.error.code !== error.code) {
        log.error({ code: error.code, fix: error.fix }, `leads are waiting: ${error.message}`);
        this.block = { error, since: this.deps.now() };
      }
      this.nextProbeAt = performance.now() + this.options.probeMs;
      this.deps.watcher?.blocked(this.block);
      await this.deps.leads.update(lead.id, { status: 'waiting', ...failure });
      return { lead: { ...lead, status: 'waiting', ...failure }, retryInMs: this.options.probeMs };
    }
    const tryingFor = this.deps.now().getTime() - Date.parse(lead.receivedAt);
    if (error.kind === 'rejected' || tryingFor >= this.options.retryMs) {
      log.error({ code: error.code, attempts: lead.attempts + 1 }, `lead dead-lettered: ${error.message}`);
      await this.deps.deadLetters.add({ leadId: lead.id, code: error.code, kind: error.kind, reason: error.message, fix: error.fix, at: this.deps.now().toISOString() });
      this.deps.telemetry?.leadProcessed('dead-lettered');
      return { lead: { ...lead, status: 'dead-lettered', ...failure }, retryInMs: undefined };
    }
    const attempts = lead.attempts + 1;
    const delay = error.retryAfterMs ?? backoffDelay(attempts, this.options.retryBaseMs, this.options.retryMaxMs);
    log.warn({ code: error.code, attempts, retryInMs: delay }, `lead will be retried: ${error.message}`);
    await this.deps.leads.update(lead.id, { status: 'waiting', attempts, ...failure });
    this.deps.telemetry?.retried('dynamics-write');
    return { lead: { ...lead, status: 'waiting', attempts, ...failure }, retryInMs: delay };
  }

  /** What Dynamics knows of the customer; undefined when it could not say (the card then says nothing of it). */
  private async findCustomer(lead: StoredLead, log: Logger): Promise<KnownCustomer | undefined> {
    try {
      return await this.deps.customers?.find(lead);
    } catch (err) {
      log.warn({ err, ...(err instanceof LeadFailure ? { code: err.code } : {}) }, 'could not look the customer up in Dynamics; the card goes without it');
      return undefined;
    }
  }

  private async showCustomer(leadId: string, known: KnownCustomer | undefined, log: Logger): Promise<void> {
    if (known === undefined) return;
    await this.deps.customers?.show(leadId, known).catch((err: unknown) => {
      log.warn({ err }, 'could not show what Dynamics knows of the customer on the lead card');
    });
  }

  // Stryker disable all
  private recovered(log: Logger): void {
    if (this.block === undefined) return;
    log.info({ code: this.block.error.code, since: this.block.since.toISOString() }, 'Dynamics works again; waiting leads are being written');
    this.block = undefined;
  }
}

/** What a write changed on the lead (recordWrite's columns). */
function writeColumns(lead: StoredLead): Pick<StoredLead, 'status' | 'attempts' | 'lastErrorCode' | 'lastErrorKind' | 'lastError' | 'dynamicsId' | 'writtenAt'> {
  return { status: lead.status, attempts: lead.attempts, lastErrorCode: lead.lastErrorCode, lastErrorKind: lead.lastErrorKind, lastError: lead.lastError, dynamicsId: lead.dynamicsId, writtenAt: lead.writtenAt };
}

/** The work's result if it comes within `ms`, else undefined (the work goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The lead as this pass has it, with what sellers did on its cards since it was read (a claim, contacted, disqualified). */
function withSellerActions(lead: StoredLead, stored: StoredLead | undefined): StoredLead {
  if (stored === undefined) return lead;
  const { claimedBy, claimant, owner, contacted, disqualified, statusInDynamics } = stored;
  return { ...lead, claimedBy, claimant, owner, contacted, disqualified, statusInDynamics };
}
