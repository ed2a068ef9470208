import type { TableClient } from '@azure/data-tables';
import { digestCard, type DigestFigures } from '../cards/digest-card';
import type { AdaptiveCardJson } from '../cards/lead-card';
import { conversationRowKey } from '../conversations/conversation-key';
import type { Installation, InstallationStore } from '../conversations/installation-store';
import { readerOf } from '../conversations/reader-of';
import type { Reader } from '../language/language';
import { message } from '../language/messages';
import type { Logger } from '../logging/create-logger';
import type { LeadStore } from '../storage/lead-store';
import { takeOnce } from '../storage/take-once';
import { calendarDateIn, calendarDayIn, startOfDayIn } from '../timing/calendar-date';
import { systemClock, type Clock } from '../timing/clock';
import { BACKLOG_DAYS, digestFigures } from './digest-figures';

export interface DigestSchedulerDeps {
  readonly leads: LeadStore;
  readonly installations: InstallationStore;
  /** Where each chat's digest of each day is taken before it is sent (the state table). */
  readonly state: TableClient;
  /** Posts a card to a chat, within Teams' limits (src/teams/). */
  readonly post: (chat: Installation, card: AdaptiveCardJson, summary: string) => Promise<void>;
  /** DIGEST_HOUR, BOT_LANGUAGE and BOT_TIME_ZONE, and the organisation whose chats may get it. */
  readonly settings: { readonly digestHour: number; readonly reader: Reader; readonly teamsTenantId: string | undefined };
  readonly logger: Logger;
  readonly now: () => Date;
  readonly clock?: Clock;
}

/** How often an instance looks whether today's digests are due. */
export const DIGEST_CHECK_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The daily digest (#16): at DIGEST_HOUR in BOT_TIME_ZONE, one card to each chat that typed
 * `subscribe digest`, on the 24 hours before. Every instance looks every minute; each chat's
 * digest of each day is taken in storage before it is sent, so it goes once however many
 * instances run (a send that fails is taken again at the next look; one whose instance died
 * mid-send is not sent twice). An instance down at the hour sends it when it is back, that day.
 */
export class DigestScheduler {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: DigestSchedulerDeps) {}

  start(): void {
    const clock = this.deps.clock ?? systemClock;
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        await this.tick().catch((err: unknown) => {
          this.deps.logger.error({ err }, 'could not send the daily digest; trying again shortly');
        });
        await clock.sleep(DIGEST_CHECK_MS, this.stopping.signal).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /** One look; how many digests this instance sent. */
  async tick(): Promise<number> {
    const { settings } = this.deps;
    const now = this.deps.now();
    const zone = settings.reader.timeZone;
    // The hour on today's wall clock (on a day the clocks change, an hour off at the most).
    const due = new Date(startOfDayIn(calendarDayIn(now, zone), zone).getTime() + settings.digestHour * HOUR_MS);
    if (now < due) return 0;
    const organisation = settings.teamsTenantId?.toLowerCase();
    const chats = (await this.deps.installations.list()).filter((i) => i.digest === true && (organisation === undefined || i.tenantId.toLowerCase() === organisation));
    const day = calendarDateIn(now, zone);
    let figures: DigestFigures | undefined;
    let sent = 0;
    for (const chat of chats) {
      const key = { partitionKey: 'digest', rowKey: `${day}.${conversationRowKey(chat.conversationId)}` };
      if (!(await takeOnce(this.deps.state, key, { conversationId: chat.conversationId, at: now.toISOString() }))) continue;
      figures ??= digestFigures(await this.deps.leads.history(new Date(due.getTime() - BACKLOG_DAYS * DAY_MS)), due);
      const reader = readerOf(chat, settings.reader);
      try {
        await this.deps.post(chat, digestCard(figures, reader), message(reader.language, 'digestCard.summary'));
        await this.deps.state.updateEntity({ ...key, status: 'sent' }, 'Merge');
        sent++;
      } catch (err) {
        this.deps.logger.warn({ err, chat: chat.kind }, 'could not send the daily digest to a chat; trying again at the next look');
        await this.deps.state.updateEntity({ ...key, status: 'failed' }, 'Merge');
      }
    }
    if (sent > 0) this.deps.logger.info({ day, sent, leads: figures?.received }, 'daily digest sent');
    return sent;
  }
}
