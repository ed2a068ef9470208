import { reminderCard, reminderHeadline } from '../cards/reminder-card';
import type { Reader } from '../language/language';
import type { Settings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import type { StorageLease } from '../storage/storage-lease';
import type { AdminMessenger, AdminNotice } from '../conversations/admin-messenger';
import type { Credential } from './credential';
import type { CredentialTracker } from './credential-tracker';
import { reminderFor } from './describe-credential';
import { dueReminder } from './reminder-due';

export interface ReminderSchedulerDeps {
  readonly tracker: CredentialTracker;
  /** Decides which instance runs the checks. */
  readonly lease: StorageLease;
  readonly admins: AdminMessenger;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** The first check after start, so a restart catches up without waiting a whole period. */
const FIRST_TICK_MS = 5_000;
/** The lease outlives a check by this much at least, however short the period. */
const MIN_LEASE_MS = 2 * 60_000;

export type TickOutcome = { readonly ran: false } | { readonly ran: true; readonly sent: readonly string[] };

/**
 * Every instance runs this timer; the instance holding the lease does the checks: it brings
 * the credentials' dates up to date and sends each reminder that is due to the admins. The
 * lease lasts a check period, so its holder keeps it at its next check and one instance (not
 * one per instance) asks Graph each period; a stopped holder gives it up, a dead one loses it
 * after a period. Each reminder is claimed in its credential's row before it is sent, so even
 * two checks at once cannot both send it, and a restart neither skips nor repeats one.
 */
export class ReminderScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickOutcome> | undefined;

  constructor(private readonly deps: ReminderSchedulerDeps) {}

  start(): void {
    const schedule = (ms: number): void => {
      this.timer = setTimeout(() => {
        this.tick()
          .catch((err: unknown) => {
            this.deps.logger.error({ err }, 'reminder check failed; trying again at the next one');
          })
          .finally(() => {
            if (this.timer !== undefined) schedule(this.periodMs());
          });
      }, ms);
      this.timer.unref();
    };
    schedule(FIRST_TICK_MS);
  }

  /** Stops checking and lets another instance take over at once. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.deps.lease.release().catch((err: unknown) => {
      this.deps.logger.warn({ err }, 'could not give up the reminder lease; another instance takes it when it runs out');
    });
  }

  /** One check; does nothing when another instance holds the lease, or a check is running here. */
  tick(): Promise<TickOutcome> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async check(): Promise<TickOutcome> {
    if (!(await this.deps.lease.acquire(Math.max(MIN_LEASE_MS, this.periodMs() - 30_000)))) return { ran: false };
    await this.deps.tracker.sync();
    const sent: string[] = [];
    for (const credential of await this.deps.tracker.registry.list()) {
      try {
        sent.push(...(await this.remind(credential)));
      } catch (err) {
        this.deps.logger.error({ err, credential: credential.id }, 'reminder not sent; trying again at the next check');
      }
    }
    return { ran: true, sent };
  }

  /** Sends the reminder due for a credential, if one is; what was sent. */
  private async remind(credential: Credential): Promise<string[]> {
    const now = this.deps.now();
    const due = dueReminder(credential, now, this.deps.settings.reader.timeZone);
    if (due === undefined) return [];
    const registry = this.deps.tracker.registry;
    if (!(await registry.claimSent(credential, due.keys))) return [];
    // The card says when the next reminder comes: after this one. Each admin reads it in their language.
    const remembered = { ...credential, sent: [...credential.sent, ...due.keys] };
    const notice = (reader: Reader): AdminNotice => {
      const reminder = reminderFor(remembered, this.deps.settings, now, reader);
      return { card: reminderCard(reminder, reader), summary: reminderHeadline(reminder, reader) };
    };
    const { sent: reached } = await this.deps.admins.send(notice, `reminder ${credential.id}`);
    if (reached === 0) {
      // Nobody reached (no admin has opened the bot in Teams yet): due again at the next check.
      await registry.unclaimSent(credential.id, due.keys);
      return [];
    }
    this.deps.logger.info({ credential: credential.id, daysLeft: due.daysLeft, admins: reached }, 'rotation reminder sent');
    return due.keys.map((k) => `${credential.id}|${k}`);
  }

  private periodMs(): number {
    return this.deps.settings.reminders.checkMinutes * 60_000;
  }
}
