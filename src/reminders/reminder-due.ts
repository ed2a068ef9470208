import type { Credential } from './credential';
import { calendarDayIn, DAY_MS, startOfDayIn } from '../timing/calendar-date';

/** Days before expiry on which admins are reminded; 0 is the day itself. Then daily, overdue. */
export const REMINDER_DAYS: readonly number[] = [30, 14, 7, 3, 1, 0];


export interface DueReminder {
  /** What this reminder stands for; recorded as sent so no instance sends it again. */
  readonly keys: readonly string[];
  /** Calendar days (in the team's zone) until the expiry day; negative once overdue. */
  readonly daysLeft: number;
}

/** When a credential expires, and where that date came from. */
export type Expiry = Pick<Credential, 'expiresAt' | 'source'> & { readonly expiresAt: string };

/**
 * The expiry's calendar day: an instant Graph gave falls on a day in the team's zone (BOT_TIME_ZONE);
 * a date an admin typed (chat, settings) is that day, wherever the team is.
 */
function expiryDay(expiry: Expiry, timeZone: string): number {
  return calendarDayIn(new Date(expiry.expiresAt), expiry.source === 'graph' ? timeZone : 'UTC');
}

/** Whole calendar days, in the team's zone, from `now` to the expiry's day: 0 on the day, -1 the day after. */
export function daysLeft(expiry: Expiry, now: Date, timeZone: string): number {
  return Math.round((expiryDay(expiry, timeZone) - calendarDayIn(now, timeZone)) / DAY_MS);
}

/**
 * The reminder due now, if any. Each threshold is due from its day until it is sent, so an
 * instance that was down on the day still sends it later, once; a credential first seen with
 * 20 days left gets the 30-day reminder at once, then 14, 7… Keys carry the expiry, so a new
 * expiry starts the series again. A snooze holds everything back until it ends, then sends one.
 */
export function dueReminder(credential: Credential, now: Date, timeZone: string): DueReminder | undefined {
  const { expiresAt, snoozedUntil } = credential;
  if (expiresAt === undefined) return undefined;
  if (snoozedUntil !== undefined && Date.parse(snoozedUntil) > now.getTime()) return undefined;
  const left = daysLeft({ expiresAt, source: credential.source }, now, timeZone);
  const stage = stageOf(left);
  if (stage === undefined) return undefined;
  const keys = [`${expiresAt}|${stage}`, ...(snoozedUntil === undefined ? [] : [`${expiresAt}|snoozed|${snoozedUntil}`])];
  return keys.some((k) => !credential.sent.includes(k)) ? { keys, daysLeft: left } : undefined;
}

/** When the next reminder will be sent (at the first check on or after this, the start of a day in the team's zone), if ever. */
export function nextReminderAt(credential: Credential, now: Date, timeZone: string): Date | undefined {
  const { expiresAt, snoozedUntil } = credential;
  if (expiresAt === undefined) return undefined;
  if (snoozedUntil !== undefined && Date.parse(snoozedUntil) > now.getTime()) return new Date(snoozedUntil);
  if (dueReminder(credential, now, timeZone) !== undefined) return now;
  const expiry = { expiresAt, source: credential.source };
  const left = daysLeft(expiry, now, timeZone);
  const next = REMINDER_DAYS.find((d) => d < left);
  // Overdue (or on the day, already reminded): tomorrow's daily reminder.
  const today = calendarDayIn(now, timeZone);
  return startOfDayIn(next === undefined ? today + DAY_MS : today + (left - next) * DAY_MS, timeZone);
}

/** The reminder stage a day falls in: the threshold reached most recently, or a daily overdue one. */
function stageOf(left: number): string | undefined {
  if (left < 0) return `overdue${String(-left)}`;
  const reached = REMINDER_DAYS.filter((d) => d >= left);
  return reached.length === 0 ? undefined : String(Math.min(...reached));
}

