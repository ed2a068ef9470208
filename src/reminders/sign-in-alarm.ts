import { setTimeout as sleep } from 'node:timers/promises';
import { isRestError } from '@azure/core-rest-pipeline';
import type { TableClient } from '@azure/data-tables';
import { CardFactory } from 'botbuilder';
import { alarmCard } from '../cards/alarm-card';
import { formatTime } from '../cards/format-time';
import type { Logger } from '../logging/create-logger';
import type { PipelineBlock, PipelineWatcher } from '../pipeline/lead-worker';
import { isNotFound } from '../storage/is-not-found';
import type { LeadStatus, LeadStore } from '../storage/lead-store';
import type { AdminMessenger } from '../teams/send-to-admins';

export interface SignInAlarmDeps {
  /** The state table: the open incident is one row, shared by every instance. */
  readonly state: TableClient;
  readonly admins: AdminMessenger;
  readonly leads: LeadStore;
  readonly logger: Logger;
  readonly now: () => Date;
  /** How often, and how long at most, to wait for the waiting leads after recovery before saying so. */
  readonly drain?: { readonly pollMs: number; readonly maxMs: number };
}

interface Incident {
  readonly code: string;
  readonly message: string;
  readonly fix: string;
  readonly since: string;
}

const KEY = { partitionKey: 'incident', rowKey: 'dynamics' } as const;
const DRAIN = { pollMs: 2_000, maxMs: 10 * 60_000 };
const PENDING = new Set<LeadStatus>(['received', 'queued', 'waiting']);

/**
 * Tells the admins at once when leads start waiting on sign-in (an expired secret or password)
 * or another problem only they can fix, and again when leads flow again. One alarm per incident,
 * however many instances and leads see the failure: the incident is a row that only one
 * instance creates and only one deletes.
 */
export class SignInAlarm implements PipelineWatcher {
  /** Whether an incident may be open; unknown (undefined) until storage is asked. */
  private open: boolean | undefined;
  private resolving: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: SignInAlarmDeps) {}

  blocked(block: PipelineBlock): void {
    void this.raise(block).catch((err: unknown) => {
      this.deps.logger.error({ err }, 'could not raise the sign-in alarm');
    });
  }

  written(): void {
    if (this.open === false) return;
    this.resolving ??= this.resolve()
      .catch((err: unknown) => {
        this.deps.logger.error({ err }, 'could not close the sign-in alarm');
      })
      .finally(() => {
        this.resolving = undefined;
      });
  }

  /** Stops waiting for leads to drain (the recovery message is then not sent by this instance). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.resolving;
  }

  private async raise(block: PipelineBlock): Promise<void> {
    const incident: Incident = { code: block.error.code, message: block.error.message, fix: block.error.fix, since: block.since.toISOString() };
    try {
      await this.deps.state.createEntity({ ...KEY, ...incident });
    } catch (error) {
      // 409: another instance (or an earlier lead) raised it already.
      if (isRestError(error) && error.statusCode === 409) {
        this.open = true;
        return;
      }
      throw error;
    }
    this.open = true;
    const { sent, admins } = await this.deps.admins.send({ attachments: [CardFactory.adaptiveCard(alarmCard(incident))], summary: `Leads are waiting: ${incident.message}` }, 'alarm');
    this.deps.logger.warn({ code: incident.code, admins, told: sent }, 'alarm raised: leads are waiting');
  }

  private async resolve(): Promise<void> {
    let incident: Incident & { etag: string };
    try {
      incident = await this.deps.state.getEntity<Incident>(KEY.partitionKey, KEY.rowKey);
      // Only the instance whose delete succeeds announces the recovery.
      await this.deps.state.deleteEntity(KEY.partitionKey, KEY.rowKey, { etag: incident.etag });
    } catch (error) {
      if (isNotFound(error) || (isRestError(error) && error.statusCode === 412)) {
        this.open = false;
        return;
      }
      throw error;
    }
    this.open = false;
    const recoveredAt = this.deps.now();
    this.deps.logger.info({ code: incident.code, since: incident.since }, 'alarm over: leads are being written again');
    const { written, pending } = await this.drain(incident, recoveredAt);
    if (this.stopping.signal.aborted) return;
    const waited = `They waited from ${formatTime(incident.since)} to ${formatTime(recoveredAt.toISOString())}.`;
    const text =
      pending === 0
        ? `✅ Recovered — ${String(written)} waiting lead${written === 1 ? '' : 's'} written to Dynamics. ${waited}`
        : `✅ Recovered — ${String(written)} waiting lead${written === 1 ? '' : 's'} written so far, ${String(pending)} still on the way (type **status** to follow them). ${waited}`;
    await this.deps.admins.send({ text }, 'recovery');
  }

  /** Waits (bounded) for the leads received before recovery to be written; counts them. */
  private async drain(incident: Incident, recoveredAt: Date): Promise<{ written: number; pending: number }> {
    const options = this.deps.drain ?? DRAIN;
    const deadline = Date.now() + options.maxMs;
    // Leads that waited were received before recovery and written after the incident began.
    const lookBack = new Date(Date.parse(incident.since) - 86_400_000);
    for (;;) {
      const leads = (await this.deps.leads.timelines(lookBack)).filter((l) => Date.parse(l.receivedAt) <= recoveredAt.getTime());
      const pending = leads.filter((l) => PENDING.has(l.status)).length;
      const written = leads.filter((l) => l.writtenAt !== undefined && l.writtenAt >= incident.since).length;
      if (pending === 0 || Date.now() >= deadline || this.stopping.signal.aborted) return { written, pending };
      await sleep(options.pollMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }
}
