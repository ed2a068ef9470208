import type { Credential } from './credential';
import { DAY_MS } from '../timing/calendar-date';

/** Days before expiry on which admins are reminded; 0 is the day itself. Then daily, overdue. */
export const REMINDER_DAYS: readonly number[] = [30, 14, 7, 3, 1, 0];


export interface DueReminder {
  /** What this reminder stands for; recorded as sent so no instance sends it again. */
  readonly keys: readonly string[];
  /** Calendar days (UTC) until the expiry day; negative once overdue. */
  readonly daysLeft: number;
}

/** Whole calendar days (UTC) from `now` to the expiry's day: 0 on the day, -1 the day after. */
export function daysLeft(expiresAt: string, now: Date): number {
  return Math.round((startOfDay(new Date(expiresAt)) - startOfDay(now)) / DAY_MS);
}

/**
 * The reminder due now, if any. Each threshold is due from its day until it is sent, so an
 * instance that was down on the day still sends it later, once; a credential first seen with
 * 20 days left gets the 30-day reminder at once, then 14, 7… Keys carry the expiry, so a new
 * expiry starts the series again. A snooze holds everything back until it ends, then sends one.
 */
export function dueReminder(credential: Credential, now: Date): DueReminder | undefined {
  const { expiresAt, snoozedUntil } = credential;
  if (expiresAt === undefined) return undefined;
  if (snoozedUntil !== undefined && Date.parse(snoozedUntil) > now.getTime()) return undefined;
  const left = daysLeft(expiresAt, now);
  const stage = stageOf(left);
  if (stage === undefined) return undefined;
  const keys = [`${expiresAt}|${stage}`, ...(snoozedUntil === undefined ? [] : [`${expiresAt}|snoozed|${snoozedUntil}`])];
  return keys.some((k) => !credential.sent.includes(k)) ? { keys, daysLeft: left } : undefined;
}

/** When the next reminder will be sent (at the first check on or after this), if ever. */
export function nextReminderAt(credential: Credential, now: Date): Date | undefined {
  const { expiresAt, snoozedUntil } = credential;
  if (expiresAt === undefined) return undefined;
  if (snoozedUntil !== undefined && Date.parse(snoozedUntil) > now.getTime()) return new Date(snoozedUntil);
  if (dueReminder(credential, now) !== undefined) return now;
  const left = daysLeft(expiresAt, now);
  const expiryDay = startOfDay(new Date(expiresAt));
  const next = REMINDER_DAYS.find((d) => d < left);
  // Overdue (or on the day, already reminded): tomorrow's daily reminder.
  return new Date(next === undefined ? startOfDay(now) + DAY_MS : expiryDay - next * DAY_MS);
}

/** The reminder stage a day falls in: the threshold reached most recently, or a daily overdue one. */
function stageOf(left: number): string | undefined {
  if (left < 0) return `overdue${String(-left)}`;
  const reached = REMINDER_DAYS.filter((d) => d >= left);
  return reached.length === 0 ? undefined : String(Math.min(...reached));
}

function startOfDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}
