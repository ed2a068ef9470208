import { CardFactory } from 'botbuilder';
import { reminderCard, whenItExpires } from '../cards/reminder-card';
import type { Settings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import type { StorageLease } from '../storage/storage-lease';
import type { AdminMessenger } from '../teams/send-to-admins';
import type { CredentialTracker } from './credential-tracker';
import { reminderFor } from './describe-credential';
import { dueReminder } from './reminder-due';

export interface ReminderSchedulerDeps {
  readonly tracker: CredentialTracker;
  /** Decides which instance runs a tick. */
  readonly lease: StorageLease;
  readonly admins: AdminMessenger;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Longer than a tick can take (a few Graph calls and cards); a dead holder frees it after this. */
const LEASE_MS = 5 * 60_000;
/** The first tick after start, so a restart catches up without waiting a whole period. */
const FIRST_TICK_MS = 5_000;

export type TickOutcome = { readonly ran: false } | { readonly ran: true; readonly sent: readonly string[] };

/**
 * Every instance runs this timer; the one that takes the lease does the tick: it brings the
 * credentials' dates up to date and sends each reminder that is due to the admins, then records
 * it, so no instance sends it again and a restart neither skips nor repeats one.
 */
export class ReminderScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: ReminderSchedulerDeps) {}

  start(): void {
    const schedule = (ms: number): void => {
      this.timer = setTimeout(() => {
        this.running = this.tick()
          .catch((err: unknown) => {
            this.deps.logger.error({ err }, 'reminder check failed; trying again at the next one');
          })
          .finally(() => {
            if (this.timer !== undefined) schedule(this.deps.settings.reminders.checkMinutes * 60_000);
          });
      }, ms);
      this.timer.unref();
    };
    schedule(FIRST_TICK_MS);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check; does nothing when another instance holds the lease. */
  async tick(): Promise<TickOutcome> {
    if (!(await this.deps.lease.acquire(LEASE_MS))) return { ran: false };
    try {
      await this.deps.tracker.sync();
      const sent: string[] = [];
      for (const credential of await this.deps.tracker.registry.list()) {
        const now = this.deps.now();
        const due = dueReminder(credential, now);
        if (due === undefined) continue;
        // The card says when the next reminder comes: after this one is recorded.
        const afterThis = { ...credential, sent: [...credential.sent, ...due.keys], snoozedUntil: undefined };
        const card = reminderCard(reminderFor(afterThis, this.deps.settings, now));
        const summary = `${credential.name} ${whenItExpires(due.daysLeft)}`;
        const { sent: reached } = await this.deps.admins.send({ attachments: [CardFactory.adaptiveCard(card)], summary }, `reminder ${credential.id}`);
        // Nobody reached (no admin has installed the app yet): it stays due for the next check.
        if (reached === 0) continue;
        await this.deps.tracker.registry.recordSent(credential, due.keys);
        this.deps.logger.info({ credential: credential.id, daysLeft: due.daysLeft, admins: reached }, 'rotation reminder sent');
        sent.push(...due.keys.map((k) => `${credential.id}|${k}`));
      }
      return { ran: true, sent };
    } finally {
      await this.deps.lease.release();
    }
  }
}
