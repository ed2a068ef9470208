/** One day, in ms: the unit reminders count in (calendar days, in the team's zone). */
export const DAY_MS = 86_400_000;

/** "2027-03-31" → that day at midnight UTC; undefined unless it is a real calendar date. */
export function parseCalendarDate(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : undefined;
}

/**
 * The calendar day a moment falls on in a time zone (an IANA name), as that day's midnight UTC
 * in ms, so days compare by subtraction: 2026-12-01T15:30Z is 2 Dec in Seoul.
 */
export function calendarDayIn(date: Date, timeZone: string): number {
  const wall = wallClockMs(date.getTime(), timeZone);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/** The calendar day a moment falls on in a time zone, as YYYY-MM-DD: what a date picker or a typed day means there. */
export function calendarDateIn(date: Date, timeZone: string): string {
  return new Date(calendarDayIn(date, timeZone)).toISOString().slice(0, 10);
}

/** When a calendar day (as calendarDayIn gives it) begins in a time zone. */
export function startOfDayIn(day: number, timeZone: string): Date {
  // The zone's offset at a guess, then again at the answer: a change of offset (summer time)
  // between the guess and midnight moves it once.
  let start = day - (wallClockMs(day, timeZone) - day);
  start = day - (wallClockMs(start, timeZone) - start);
  return new Date(start);
}

/** The wall clock in a zone at a moment, read as if it were UTC, in ms (whole seconds). */
function wallClockMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
}
