import { pollUntil } from '../timing/clock';
import type { TableClient } from '@azure/data-tables';
import { alarmCard } from '../cards/alarm-card';
import { formatTime } from '../language/times';
import { message } from '../language/messages';
import type { Logger } from '../logging/create-logger';
import type { FailureCatalog } from './lead-failure';
import type { PipelineBlock, PipelineWatcher } from './lead-worker';
import { isConflict, isNotFound } from '../storage/storage-errors';
import type { LeadStatus, LeadStore } from '../storage/lead-store';
import type { AdminMessenger } from '../conversations/admin-messenger';
import { DAY_MS } from '../timing/calendar-date';

export interface SignInAlarmDeps {
  /** The state table: the open incident is one row, shared by every instance. */
  readonly state: TableClient;
  readonly admins: AdminMessenger;
  /** Which failure codes are Entra refusing the sign-in. */
  readonly failures: FailureCatalog;
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
  /** Whether admins were told; claimed by one instance before it tells them. */
  readonly told: boolean;
}

const KEY = { partitionKey: 'incident', rowKey: 'sign-in' } as const;
const DRAIN = { pollMs: 2_000, maxMs: 10 * 60_000 };
const PENDING = new Set<LeadStatus>(['received', 'queued', 'waiting']);
/** While writes succeed, storage is still asked this often whether an incident is open (one another instance raised). */
const RECHECK_MS = 60_000;

/**
 * Tells the admins at once when leads start waiting because Entra ID refuses the sign-in (an
 * expired secret or password, AADSTS7000222, AADSTS50055…), and again when leads flow again.
 * One alarm per incident, however many instances and leads meet it: the incident is a row in
 * storage that one instance creates, one claims the telling of (retried while nobody could be
 * told), and one deletes, announcing the recovery.
 */
export class SignInAlarm implements PipelineWatcher {
  /** What this instance knows: an incident open (and told), or none as of `checkedAt`. */
  private known: { readonly open: boolean; readonly told: boolean; readonly checkedAt: number } | undefined;
  private raising: Promise<void> | undefined;
  private resolving: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: SignInAlarmDeps) {}

  blocked(block: PipelineBlock): void {
    if (!this.deps.failures.isSignInRefusal(block.error.code)) return;
    if (this.known?.open === true && this.known.told) {
      this.deps.logger.debug({ code: block.error.code }, 'sign-in alarm already raised; not telling again');
      return;
    }
    this.raising ??= this.raise(block)
      .catch((err: unknown) => {
        this.deps.logger.error({ err }, 'could not raise the sign-in alarm; trying again at the next failure');
      })
      .finally(() => {
        this.raising = undefined;
      });
  }

  written(): void {
    const known = this.known;
    if (known !== undefined && !known.open && Date.now() - known.checkedAt < RECHECK_MS) return;
    this.resolving ??= this.resolve()
      .catch((err: unknown) => {
        this.deps.logger.error({ err }, 'could not close the sign-in alarm');
      })
      .finally(() => {
        this.resolving = undefined;
      });
  }

  /** Stops waiting for leads to drain: the recovery message then says how far they got. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([this.raising, this.resolving]);
  }

  private async raise(block: PipelineBlock): Promise<void> {
    const incident: Incident = { code: block.error.code, message: block.error.message, fix: block.error.fix, since: block.since.toISOString(), told: false };
    await this.deps.state.createEntity({ ...KEY, ...incident }).catch((error: unknown) => {
      // 409: open already (raised by another instance, or before a restart).
      if (!isConflict(error)) throw error;
    });
    const row = await this.deps.state.getEntity<Incident>(KEY.partitionKey, KEY.rowKey);
    this.known = { open: true, told: row.told, checkedAt: Date.now() };
    if (row.told) return;
    try {
      await this.deps.state.updateEntity({ ...KEY, told: true }, 'Merge', { etag: row.etag });
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return; // another instance tells them
      throw error;
    }
    const { sent, admins } = await this.deps.admins.send((reader) => {
      const said = this.deps.failures.explain(row, reader.language);
      return { card: alarmCard({ code: row.code, ...said, since: row.since }, reader), summary: message(reader.language, 'alarmCard.fallbackText', { message: said.message }) };
    }, 'alarm');
    if (sent === 0) {
      // Nobody told (no admin has opened the bot in Teams): the next failing probe tries again.
      await this.deps.state.updateEntity({ ...KEY, told: false }, 'Merge');
      this.known = { open: true, told: false, checkedAt: Date.now() };
      return;
    }
    this.known = { open: true, told: true, checkedAt: Date.now() };
    this.deps.logger.warn({ code: row.code, admins, told: sent }, 'alarm raised: leads are waiting');
  }

  private async resolve(): Promise<void> {
    let incident: Incident & { etag: string };
    try {
      incident = await this.deps.state.getEntity<Incident>(KEY.partitionKey, KEY.rowKey);
      // Only the instance whose delete succeeds announces the recovery.
      await this.deps.state.deleteEntity(KEY.partitionKey, KEY.rowKey, { etag: incident.etag });
    } catch (error) {
      if (isNotFound(error) || isConflict(error)) {
        this.known = { open: false, told: false, checkedAt: Date.now() };
        return;
      }
      throw error;
    }
    this.known = { open: false, told: false, checkedAt: Date.now() };
    const recoveredAt = this.deps.now();
    this.deps.logger.info({ code: incident.code, since: incident.since }, 'sign-in works again: waiting leads are being written');
    // Admins who were never told of the incident need no news of its end.
    if (!incident.told) return;
    const { written, pending } = await this.drain(incident, recoveredAt);
    await this.deps.admins.send((reader) => {
      const when = { from: formatTime(incident.since, reader), to: formatTime(recoveredAt.toISOString(), reader) };
      return { text: pending === 0 ? message(reader.language, 'alarm.recovered', { written, ...when }) : message(reader.language, 'alarm.recoveredSoFar', { written, pending, ...when }) };
    }, 'recovery');
  }

  /** Waits (bounded, by the wall clock) for the leads that waited to be written; counts them. */
  private async drain(incident: Incident, recoveredAt: Date): Promise<{ written: number; pending: number }> {
    const options = this.deps.drain ?? DRAIN;
    // Leads that waited: received before recovery (and not long before the incident), written after it began.
    const lookBack = new Date(Date.parse(incident.since) - DAY_MS);
    const count = async (): Promise<{ written: number; pending: number }> => {
      const leads = (await this.deps.leads.timelines(lookBack)).filter((l) => l.receivedAt >= lookBack.toISOString() && Date.parse(l.receivedAt) <= recoveredAt.getTime());
      return { pending: leads.filter((l) => PENDING.has(l.status)).length, written: leads.filter((l) => l.writtenAt !== undefined && l.writtenAt >= incident.since).length };
    };
    return pollUntil(count, ({ pending }) => pending === 0, { everyMs: options.pollMs, timeoutMs: options.maxMs, signal: this.stopping.signal });
  }
}
