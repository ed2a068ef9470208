import type { TableClient } from '@azure/data-tables';
import { digestCard } from '../cards/digest-card';
import type { AdaptiveCardJson } from '../cards/lead-card';
import { conversationRowKey } from '../conversations/conversation-key';
import { isAdminChat } from '../conversations/admin-messenger';
import type { Installation, InstallationStore } from '../conversations/installation-store';
import { readerOf } from '../conversations/reader-of';
import type { Reader } from '../language/language';
import { message } from '../language/messages';
import type { Logger } from '../logging/create-logger';
import type { LeadStore } from '../storage/lead-store';
import { takeOnce } from '../storage/take-once';
import { calendarDateIn, calendarDayIn, startOfDayIn } from '../timing/calendar-date';
import { repeat, type Clock, type Loop } from '../timing/clock';
import { BACKLOG_DAYS, digestFigures } from './digest-figures';

export interface DigestSchedulerDeps {
  readonly leads: LeadStore;
  readonly installations: InstallationStore;
  /** Where each chat's digest of each day is taken before it is sent (the state table). */
  readonly state: TableClient;
  /** Posts a card to a chat, within Teams' limits (src/teams/). */
  readonly post: (chat: Installation, card: AdaptiveCardJson, summary: string) => Promise<void>;
  /** DIGEST_HOUR, BOT_LANGUAGE and BOT_TIME_ZONE, and the organisation whose chats may get it. */
  readonly settings: { readonly digestHour: number; readonly reader: Reader; readonly teamsTenantId: string | undefined; readonly admins: readonly string[] };
  readonly logger: Logger;
  readonly now: () => Date;
  readonly clock?: Clock;
}

/** How often an instance looks whether today's digests are due. */
export const DIGEST_CHECK_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Sends to one chat in a day before it is given up for that day. */
const MAX_ATTEMPTS = 5;

/**
 * The daily digest (#16): at DIGEST_HOUR in BOT_TIME_ZONE, one card to each chat that typed
 * `subscribe digest`, on the day before (from the same hour yesterday). Every instance looks every
 * minute; each chat's digest of each day is taken in storage before it is sent, so it goes once
 * however many instances run (a send that fails is taken again at the next look, a few times; one
 * whose instance died mid-send is not sent twice). An instance down at the hour sends it when it
 * is back, that day.
 */
export class DigestScheduler {
  private loop: Loop | undefined;
  /** The chats whose digest of `doneOn` this instance knows is out (sent, or taken by another): not looked at again that day. */
  private readonly done = new Set<string>();
  private doneOn = '';

  constructor(private readonly deps: DigestSchedulerDeps) {}

  start(): void {
    this.loop = repeat(() => this.tick(), DIGEST_CHECK_MS, (err: unknown) => {
      this.deps.logger.error({ err }, 'could not send the daily digest; trying again shortly');
    }, this.deps.clock);
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** One look; how many digests this instance sent. */
  async tick(): Promise<number> {
    const { settings } = this.deps;
    const now = this.deps.now();
    const { day, from, due } = digestWindow(now, settings.digestHour, settings.reader.timeZone);
    if (now < due) return 0;
    if (this.doneOn !== day) {
      this.doneOn = day;
      this.done.clear();
    }
    const chats = (await this.deps.installations.list()).filter((i) => this.isFor(i) && !this.done.has(i.conversationId));
    if (chats.length === 0) return 0;
    // Counted before any chat's digest is taken: a failure here takes nobody's.
    const figures = digestFigures(await this.deps.leads.history(new Date(due.getTime() - BACKLOG_DAYS * DAY_MS)), from, due);
    let sent = 0;
    for (const chat of chats) {
      const key = { partitionKey: 'digest', rowKey: `${day}.${conversationRowKey(chat.conversationId)}` };
      const reader = readerOf(chat, settings.reader);
      const card = digestCard(figures, reader);
      if (!(await takeOnce(this.deps.state, key, { conversationId: chat.conversationId, at: now.toISOString() }))) {
        this.done.add(chat.conversationId);
        continue;
      }
      try {
        await this.deps.post(chat, card, message(reader.language, 'digestCard.summary'));
      } catch (err) {
        // Tried again at the next look, a few times at most: a chat that keeps refusing is given up for the day.
        const attempts = ((await this.deps.state.getEntity<{ attempts?: number }>(key.partitionKey, key.rowKey)).attempts ?? 0) + 1;
        this.deps.logger.warn({ err, chat: chat.kind, attempts }, 'could not send the daily digest to a chat');
        await this.deps.state.updateEntity({ ...key, status: attempts >= MAX_ATTEMPTS ? 'given-up' : 'failed', attempts }, 'Merge');
        continue;
      }
      this.done.add(chat.conversationId);
      sent++;
      // Left `sending` should this fail: never sent twice.
      await this.deps.state.updateEntity({ ...key, status: 'sent' }, 'Merge').catch((err: unknown) => {
        this.deps.logger.warn({ err }, 'could not record a daily digest as sent; it is not sent again');
      });
    }
    if (sent > 0) this.deps.logger.info({ day, sent, leads: figures.received }, 'daily digest sent');
    return sent;
  }

  /** The chats that chose the digest, in the organisation; a personal chat only while its person is an admin. */
  private isFor(chat: Installation): boolean {
    const organisation = this.deps.settings.teamsTenantId?.toLowerCase();
    if (chat.digest !== true || (organisation !== undefined && chat.tenantId.toLowerCase() !== organisation)) return false;
    return chat.kind !== 'personal' || isAdminChat(chat, { admins: this.deps.settings.admins, teamsTenantId: organisation });
  }
}

/**
 * The day `now` falls on in `timeZone`, when that day's digest is due (`hour` on its wall clock)
 * and where its window begins (the same hour the day before): on a day the clocks change, 23 or 25
 * hours apart, not 24.
 */
export function digestWindow(now: Date, hour: number, timeZone: string): { day: string; from: Date; due: Date } {
  const today = calendarDayIn(now, timeZone);
  return {
    day: calendarDateIn(now, timeZone),
    from: startOfDayIn(today - DAY_MS + hour * HOUR_MS, timeZone),
    due: startOfDayIn(today + hour * HOUR_MS, timeZone),
  };
}
