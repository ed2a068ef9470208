import { digestWindow } from '../../src/digest/digest-scheduler';

describe("the digest's window, on the wall clock of BOT_TIME_ZONE", () => {
  const hours = (w: { from: Date; due: Date }): number => (w.due.getTime() - w.from.getTime()) / 3_600_000;

  it('runs from the hour yesterday to the hour today: 24 hours in a zone without summer time', () => {
    const w = digestWindow(new Date('2026-12-02T00:30:00Z'), 8, 'Asia/Seoul');
    expect(w).toEqual({ day: '2026-12-02', from: new Date('2026-11-30T23:00:00Z'), due: new Date('2026-12-01T23:00:00Z') });
    expect(hours(w)).toBe(24);
  });

  it('is 23 hours on the day the clocks go forward (Berlin, 28 March 2027): 08:00 CET to 08:00 CEST', () => {
    const w = digestWindow(new Date('2027-03-28T12:00:00Z'), 8, 'Europe/Berlin');
    expect(w).toEqual({ day: '2027-03-28', from: new Date('2027-03-27T07:00:00Z'), due: new Date('2027-03-28T06:00:00Z') });
    expect(hours(w)).toBe(23);
  });

  it('is 25 hours on the day the clocks go back (Berlin, 25 October 2026): 08:00 CEST to 08:00 CET', () => {
    const w = digestWindow(new Date('2026-10-25T12:00:00Z'), 8, 'Europe/Berlin');
    expect(w).toEqual({ day: '2026-10-25', from: new Date('2026-10-24T06:00:00Z'), due: new Date('2026-10-25T07:00:00Z') });
    expect(hours(w)).toBe(25);
  });

  it('is not due a minute before the hour, and the day is the local one, not UTC’s', () => {
    // 07:59 in Berlin on 25 October is 06:59 UTC: the day is the 25th and the digest not yet due.
    const before = new Date('2026-10-25T06:59:00Z');
    const w = digestWindow(before, 8, 'Europe/Berlin');
    expect(w.day).toBe('2026-10-25');
    expect(before < w.due).toBe(true);
    // 23:30 UTC on the 1st is already the 2nd in Seoul.
    expect(digestWindow(new Date('2026-12-01T23:30:00Z'), 8, 'Asia/Seoul').day).toBe('2026-12-02');
  });

  it('follows DIGEST_HOUR: at 0, midnight to midnight', () => {
    const w = digestWindow(new Date('2026-12-02T10:00:00Z'), 0, 'UTC');
    expect(w).toEqual({ day: '2026-12-02', from: new Date('2026-12-01T00:00:00Z'), due: new Date('2026-12-02T00:00:00Z') });
  });
});
