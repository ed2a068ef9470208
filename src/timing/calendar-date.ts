/** One day, in ms: the unit reminders count in (calendar days, UTC). */
export const DAY_MS = 86_400_000;

/** "2027-03-31" → that day at midnight UTC; undefined unless it is a real calendar date. */
export function parseCalendarDate(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : undefined;
}
