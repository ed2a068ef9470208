import type { TableClient } from '@azure/data-tables';
import { waitingCard, type WaitingLeads } from '../cards/waiting-card';
import { message } from '../language/messages';
import type { Logger } from '../logging/create-logger';
import { isConflict, isNotFound } from '../storage/storage-errors';
import type { LeadStatus, LeadStore } from '../storage/lead-store';
import type { StorageLease } from '../storage/storage-lease';
import type { AdminMessenger } from '../conversations/admin-messenger';
import type { DeadLetters } from './dead-letters';
import type { FailureCatalog } from './lead-failure';
import { explainNotFinished } from './not-finished';

export interface WaitingLeadsAlarmDeps {
  readonly leads: LeadStore;
  readonly deadLetters: DeadLetters;
  /** The state table: the open incident is one row, shared by every instance. */
  readonly state: TableClient;
  readonly admins: AdminMessenger;
  /** What the stored failure codes mean. */
  readonly failures: FailureCatalog;
  /** One instance checks at a time. */
  readonly lease: StorageLease;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** How long a lead may wait for Dynamics before the admins hear of it. */
export const WAITING_LIMIT_MS = 15 * 60_000;
const CHECK_MS = 60_000;
const PENDING = new Set<LeadStatus>(['received', 'queued', 'waiting']);
const KEY = { partitionKey: 'incident', rowKey: 'waiting-leads' } as const;

export type WaitingCheck = 'not-holder' | 'quiet' | 'raised' | 'open' | 'cleared';

/**
 * Tells the admins once when leads start waiting for Dynamics longer than 15 minutes, or one is
 * dead-lettered (the reason, how many, Retry), again only when the reason changes, and once when
 * it all clears. Sign-in refusals are
 * not counted: the sign-in alarm tells of them at once. One instance checks each minute (a
 * lease); the incident is a row every instance shares, so restarts never repeat a card.
 */
export class WaitingLeadsAlarm {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<WaitingCheck> | undefined;

  constructor(private readonly deps: WaitingLeadsAlarmDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => {
        this.deps.logger.error({ err }, 'waiting-leads check failed; trying again in a minute');
      });
    }, CHECK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  tick(): Promise<WaitingCheck> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async check(): Promise<WaitingCheck> {
    if (!(await this.deps.lease.acquire(CHECK_MS + 30_000))) return 'not-holder';
    const now = this.deps.now();
    const situation = await this.look(now);
    const incident = await this.incident();
    if (situation === undefined) {
      if (incident === undefined) return 'quiet';
      await this.clear(incident);
      return 'cleared';
    }
    // One card per cause: a new reason (a second outage while an old dead letter waits) is news.
    if (incident?.told === true && incident.code === situation.code) return 'open';
    return (await this.raise(situation, incident)) ? 'raised' : 'open';
  }

  /** What is wrong now, if anything. */
  private async look(now: Date): Promise<WaitingLeads | undefined> {
    const limit = new Date(now.getTime() - WAITING_LIMIT_MS).toISOString();
    const waiting = (await this.deps.leads.timelines(now))
      .filter((l) => PENDING.has(l.status) && l.receivedAt < limit && !l.isTest)
      .filter((l) => l.lastErrorCode === undefined || !this.deps.failures.isSignInRefusal(l.lastErrorCode));
    const dead = await this.deps.deadLetters.list();
    if (waiting.length === 0 && dead.length === 0) return undefined;
    const codes = waiting.map((l) => l.lastErrorCode ?? '').concat(dead.map((d) => d.code));
    const code = mostCommon(codes.filter((c) => c !== ''));
    const letter = dead.find((d) => d.code === code);
    const known = code === undefined ? undefined : this.deps.failures.describe(code);
    return {
      waiting: waiting.length,
      oldestSince: waiting.map((l) => l.receivedAt).sort()[0],
      deadLettered: dead.length,
      code: code ?? '',
      // In English, as recorded; each admin reads it in their words (raise).
      message: letter?.reason ?? known?.message ?? message('en', 'waiting.noError'),
      fix: letter?.fix ?? known?.fix ?? message('en', 'waiting.noErrorFix'),
    };
  }

  private async incident(): Promise<{ told: boolean; code: string; etag: string } | undefined> {
    try {
      const row = await this.deps.state.getEntity<{ told: boolean; code?: string }>(KEY.partitionKey, KEY.rowKey);
      return { told: row.told, code: row.code ?? '', etag: row.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Opens the incident (if not open) and tells the admins; false when nobody could be told yet. */
  private async raise(situation: WaitingLeads, incident: { etag: string } | undefined): Promise<boolean> {
    if (incident === undefined) {
      await this.deps.state.createEntity({ ...KEY, told: false, since: this.deps.now().toISOString() }).catch((error: unknown) => {
        if (!isConflict(error)) throw error;
      });
    }
    const { sent } = await this.deps.admins.send((reader) => {
      const said = situation.code === '' ? { message: message(reader.language, 'waiting.noError'), fix: message(reader.language, 'waiting.noErrorFix') } : (explainNotFinished(situation, reader.language) ?? this.deps.failures.explain(situation, reader.language));
      return { card: waitingCard({ ...situation, ...said }, reader), summary: message(reader.language, 'waiting.summary', { message: said.message }) };
    }, 'waiting leads');
    if (sent === 0) return false; // no admin reachable yet: told at a later check
    await this.deps.state.updateEntity({ ...KEY, told: true, code: situation.code }, 'Merge');
    this.deps.logger.warn({ waiting: situation.waiting, deadLettered: situation.deadLettered, code: situation.code }, 'admins told: leads are waiting for Dynamics');
    return true;
  }

  private async clear(incident: { told: boolean; etag: string }): Promise<void> {
    try {
      await this.deps.state.deleteEntity(KEY.partitionKey, KEY.rowKey, { etag: incident.etag });
    } catch (error) {
      if (isNotFound(error) || isConflict(error)) return; // cleared or changed by another instance
      throw error;
    }
    if (!incident.told) return;
    await this.deps.admins.send((reader) => ({ text: message(reader.language, 'waiting.cleared') }), 'waiting leads cleared');
    this.deps.logger.info('leads reach Dynamics again');
  }
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
