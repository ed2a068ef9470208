import { formatTime, formatTimeAgo } from '../../src/cards/format-time';

describe('times on cards', () => {
  it('shows a time to the minute, in UTC, whatever the time zone it was written in', () => {
    expect(formatTime('2026-11-20T09:14:59.999Z')).toBe('2026-11-20 09:14 UTC');
    expect(formatTime('2026-11-20T10:14:03+01:00')).toBe('2026-11-20 09:14 UTC');
  });

  it('shows what is not a time as it is', () => {
    expect(formatTime('soon')).toBe('soon');
    expect(formatTime('')).toBe('');
  });

  it('says how long ago, in the unit a person would use', () => {
    const now = new Date('2026-11-20T12:00:00.000Z');
    const ago = (minutes: number): string => formatTimeAgo(new Date(now.getTime() - minutes * 60_000).toISOString(), now);
    expect(ago(0)).toBe('2026-11-20 12:00 UTC (just now)');
    expect(ago(0.4)).toBe('2026-11-20 11:59 UTC (just now)');
    expect(ago(1)).toBe('2026-11-20 11:59 UTC (1 min ago)');
    expect(ago(119)).toBe('2026-11-20 10:01 UTC (119 min ago)');
    expect(ago(120)).toBe('2026-11-20 10:00 UTC (2 h ago)');
    expect(ago(47 * 60 + 59)).toBe('2026-11-18 12:01 UTC (48 h ago)');
    expect(ago(48 * 60)).toBe('2026-11-18 12:00 UTC (2 days ago)');
    expect(ago(10 * 24 * 60 + 13 * 60)).toBe('2026-11-09 23:00 UTC (11 days ago)');
  });

  it('says "just now" for a time a moment ahead of the clock', () => {
    const now = new Date('2026-11-20T12:00:00.000Z');
    expect(formatTimeAgo('2026-11-20T12:05:00.000Z', now)).toBe('2026-11-20 12:05 UTC (just now)');
  });
});
