import type { Language, Reader } from './language';
import { message } from './messages';

/**
 * Abbreviations people in these zones write, where the runtime's own names say "GMT+9": the
 * zones of the teams the bot is read in most. Others take the runtime's name ("EST", "CET",
 * "GMT+7").
 */
const ZONE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  'Asia/Seoul': 'KST',
  'Asia/Tokyo': 'JST',
  'Asia/Kolkata': 'IST',
  'Asia/Singapore': 'SGT',
  'Asia/Hong_Kong': 'HKT',
  UTC: 'UTC',
  'Etc/UTC': 'UTC',
};

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** The zone's short name at that moment (summer and winter differ): "KST", "EST", "CEST". */
export function zoneAbbreviation(timeZone: string, at: Date): string {
  const known = ZONE_ABBREVIATIONS[timeZone];
  if (known !== undefined) return known;
  const named = (locale: string): string =>
    new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  // American English names American zones, British English European ones; either may only know "GMT+2".
  const american = named('en-US');
  return /^GMT[+-]/.test(american) ? named('en-GB') : american;
}

/** The wall clock in a zone at a moment, as numbers. */
function wallClock(at: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute') };
}

/**
 * A time as the reader reads it, in the team's zone and naming it: "1 Dec 2026, 12:38 KST",
 * "2026년 12월 1일 오후 12:38 (KST)". Built from the wall clock rather than a locale's whole
 * pattern, which changes between ICU versions (one writes "PM" in Korean).
 */
export function formatTime(iso: string, reader: Reader): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const { year, month, day, hour, minute } = wallClock(at, reader.timeZone);
  const zone = zoneAbbreviation(reader.timeZone, at);
  const mm = String(minute).padStart(2, '0');
  if (reader.language === 'ko') return `${String(year)}년 ${String(month)}월 ${String(day)}일 ${hour < 12 ? '오전' : '오후'} ${String(hour % 12 === 0 ? 12 : hour % 12)}:${mm} (${zone})`;
  return `${String(day)} ${MONTHS_EN[month - 1] ?? ''} ${String(year)}, ${String(hour).padStart(2, '0')}:${mm} ${zone}`;
}

/** A day as the reader reads it, in the team's zone: "3 Mar 2025", "2025년 3월 3일". */
export function formatDate(iso: string, reader: Reader): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const { year, month, day } = wallClock(at, reader.timeZone);
  if (reader.language === 'ko') return `${String(year)}년 ${String(month)}월 ${String(day)}일`;
  return `${String(day)} ${MONTHS_EN[month - 1] ?? ''} ${String(year)}`;
}

/** How long ago, in the reader's words: "just now", "12 min ago", "3 h ago", "2 days ago". */
export function formatAgo(iso: string, now: Date, language: Language): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 60_000));
  if (minutes < 1) return message(language, 'time.justNow');
  if (minutes < 120) return message(language, 'time.minutesAgo', { minutes });
  if (minutes < 48 * 60) return message(language, 'time.hoursAgo', { hours: Math.round(minutes / 60) });
  return message(language, 'time.daysAgo', { days: Math.round(minutes / 1440) });
}

/** "1 Dec 2026, 12:38 KST (3 h ago)": when, and how long since. */
export function formatTimeAgo(iso: string, now: Date, reader: Reader): string {
  return message(reader.language, 'time.whenAgo', { when: formatTime(iso, reader), ago: formatAgo(iso, now, reader.language) });
}
