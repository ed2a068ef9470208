import { formatAgo, formatTime, formatTimeAgo, zoneAbbreviation } from '../../src/language/times';

// 03:38 UTC is 12:38 in Seoul.
const AT = '2026-12-01T03:38:00.000Z';

describe('times as the bot shows them', () => {
  it('in the team\'s zone, named, as each language writes it', () => {
    expect(formatTime(AT, { language: 'en', timeZone: 'Asia/Seoul' })).toBe('1 Dec 2026, 12:38 KST');
    expect(formatTime(AT, { language: 'ko', timeZone: 'Asia/Seoul' })).toBe('2026년 12월 1일 오후 12:38 (KST)');
    expect(formatTime(AT, { language: 'en', timeZone: 'UTC' })).toBe('1 Dec 2026, 03:38 UTC');
    expect(formatTime(AT, { language: 'ko', timeZone: 'UTC' })).toBe('2026년 12월 1일 오전 3:38 (UTC)');
    // Midnight and noon on a 12-hour clock.
    expect(formatTime('2026-12-01T15:05:00Z', { language: 'ko', timeZone: 'Asia/Seoul' })).toBe('2026년 12월 2일 오전 12:05 (KST)');
    expect(formatTime('2026-12-01T03:00:00Z', { language: 'ko', timeZone: 'Asia/Seoul' })).toBe('2026년 12월 1일 오후 12:00 (KST)');
  });

  it('names a zone that changes with the seasons by the name it has that day, and the day by the zone\'s calendar', () => {
    expect(formatTime(AT, { language: 'en', timeZone: 'America/New_York' })).toBe('30 Nov 2026, 22:38 EST');
    expect(formatTime('2026-07-01T03:38:00Z', { language: 'en', timeZone: 'America/New_York' })).toBe('30 Jun 2026, 23:38 EDT');
    expect(zoneAbbreviation('Europe/Berlin', new Date(AT))).toBe('CET');
    expect(zoneAbbreviation('Europe/Berlin', new Date('2026-07-01T00:00:00Z'))).toBe('CEST');
  });

  it('leaves text that is not a time as it is', () => {
    expect(formatTime('not a time', { language: 'ko', timeZone: 'Asia/Seoul' })).toBe('not a time');
  });

  it('says how long ago in the reader\'s words, with plurals', () => {
    const now = new Date(AT);
    const before = (minutes: number): string => new Date(now.getTime() - minutes * 60_000).toISOString();
    expect([0, 12, 180, 2 * 1440, 1441 * 3].map((m) => formatAgo(before(m), now, 'en'))).toEqual(['just now', '12 min ago', '3 h ago', '2 days ago', '3 days ago']);
    expect([0, 12, 180, 2 * 1440].map((m) => formatAgo(before(m), now, 'ko'))).toEqual(['방금', '12분 전', '3시간 전', '2일 전']);
    expect(formatTimeAgo(before(12), now, { language: 'ko', timeZone: 'Asia/Seoul' })).toBe('2026년 12월 1일 오후 12:26 (KST) · 12분 전');
  });
});
