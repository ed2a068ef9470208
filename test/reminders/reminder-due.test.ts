import type { Credential } from '../../src/reminders/credential';
import { daysLeft, dueReminder, nextReminderAt } from '../../src/reminders/reminder-due';

const HOUR = 3_600_000;
const EXPIRES = '2027-03-31T14:00:00.000Z';

function credential(overrides: Partial<Credential> = {}): Credential {
  return { id: 'dynamics-secret', name: 'Dynamics client secret', kind: 'client-secret', builtIn: true, expiresAt: EXPIRES, changedAt: undefined, source: 'settings', setBy: undefined, graphProblem: undefined, snoozedUntil: undefined, sent: [], ...overrides };
}

/** Checks every `stepHours` from `from` to `to`, recording what is due as sent, as the scheduler does. */
function walk(start: Credential, from: string, to: string, stepHours: number): { at: string; daysLeft: number }[] {
  let c = start;
  const fired: { at: string; daysLeft: number }[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepHours * HOUR) {
    const due = dueReminder(c, new Date(t), 'UTC');
    if (due === undefined) continue;
    fired.push({ at: new Date(t).toISOString().slice(0, 10), daysLeft: due.daysLeft });
    c = { ...c, sent: [...c.sent, ...due.keys], snoozedUntil: undefined };
  }
  return fired;
}

describe('which rotation reminder is due', () => {
  it('counts calendar days: 0 on the day of expiry, negative after', () => {
    const typed = { expiresAt: EXPIRES, source: 'settings' as const };
    expect(daysLeft(typed, new Date('2027-03-30T23:59:00Z'), 'UTC')).toBe(1);
    expect(daysLeft(typed, new Date('2027-03-31T00:00:00Z'), 'UTC')).toBe(0);
    expect(daysLeft(typed, new Date('2027-03-31T23:59:00Z'), 'UTC')).toBe(0);
    expect(daysLeft(typed, new Date('2027-04-02T08:00:00Z'), 'UTC')).toBe(-2);
  });

  it('counts the days of the team\'s zone (BOT_TIME_ZONE): Graph\'s instant falls on a day there, a typed date is its day', () => {
    // 2027-03-30T15:30Z is already 31 March in Seoul; Graph's 14:00Z expiry is 23:00 on the 31st there.
    const fromGraph = { expiresAt: EXPIRES, source: 'graph' as const };
    expect(daysLeft(fromGraph, new Date('2027-03-30T15:30:00Z'), 'UTC')).toBe(1);
    expect(daysLeft(fromGraph, new Date('2027-03-30T15:30:00Z'), 'Asia/Seoul')).toBe(0);
    // An instant late in the day UTC is the next day in Seoul.
    expect(daysLeft({ expiresAt: '2027-03-31T20:00:00.000Z', source: 'graph' }, new Date('2027-03-31T16:00:00Z'), 'Asia/Seoul')).toBe(0);
    // A date typed as 2027-03-31 is that day in New York too, not the evening before.
    const typed = { expiresAt: '2027-03-31T00:00:00.000Z', source: 'chat' as const };
    expect(daysLeft(typed, new Date('2027-03-31T03:00:00Z'), 'America/New_York')).toBe(1);
    expect(daysLeft(typed, new Date('2027-03-31T12:00:00Z'), 'America/New_York')).toBe(0);
    // The next reminder goes when the day begins there.
    const c = credential({ expiresAt: '2027-03-31T00:00:00.000Z', source: 'chat', sent: ['2027-03-31T00:00:00.000Z|30'] });
    expect(nextReminderAt(c, new Date('2027-03-10T09:00:00Z'), 'Asia/Seoul')?.toISOString()).toBe('2027-03-16T15:00:00.000Z');
  });

  it('fires each threshold once, on its day, then daily once overdue (checked hourly)', () => {
    const fired = walk(credential(), '2027-02-15T00:30:00Z', '2027-04-03T23:30:00Z', 1);
    expect(fired).toEqual([
      { at: '2027-03-01', daysLeft: 30 },
      { at: '2027-03-17', daysLeft: 14 },
      { at: '2027-03-24', daysLeft: 7 },
      { at: '2027-03-28', daysLeft: 3 },
      { at: '2027-03-30', daysLeft: 1 },
      { at: '2027-03-31', daysLeft: 0 },
      { at: '2027-04-01', daysLeft: -1 },
      { at: '2027-04-02', daysLeft: -2 },
      { at: '2027-04-03', daysLeft: -3 },
    ]);
  });

  it('sends a threshold missed while no check ran (the bot was down) once, late, and not the ones before it', () => {
    // The 30- and 14-day reminders went; checks stop before the 7-day one is due (03-24) and resume on 03-26.
    const c = credential({ sent: [`${EXPIRES}|30`, `${EXPIRES}|14`] });
    expect(walk(c, '2027-03-26T09:00:00Z', '2027-03-27T23:00:00Z', 1)).toEqual([{ at: '2027-03-26', daysLeft: 5 }]);
  });

  it('gives a credential first seen 20 days ahead the 30-day reminder at once', () => {
    expect(dueReminder(credential(), new Date('2027-03-11T10:00:00Z'), 'UTC')?.daysLeft).toBe(20);
  });

  it('holds reminders back while snoozed, then sends one, even for a threshold already sent', () => {
    const sent = [`${EXPIRES}|7`];
    const snoozed = credential({ sent, snoozedUntil: '2027-03-25T10:00:00.000Z' });
    expect(dueReminder(snoozed, new Date('2027-03-25T09:00:00Z'), 'UTC')).toBeUndefined();
    expect(dueReminder(snoozed, new Date('2027-03-25T10:00:00Z'), 'UTC')?.keys).toEqual([`${EXPIRES}|7`, `${EXPIRES}|snoozed|2027-03-25T10:00:00.000Z`]);
    expect(nextReminderAt(snoozed, new Date('2027-03-25T09:00:00Z'), 'UTC')?.toISOString()).toBe('2027-03-25T10:00:00.000Z');
  });

  it('starts the series again for a new expiry date', () => {
    const rotated = credential({ expiresAt: '2027-09-27T00:00:00.000Z', sent: [`${EXPIRES}|30`, `${EXPIRES}|14`, `${EXPIRES}|7`] });
    expect(dueReminder(rotated, new Date('2027-03-25T09:00:00Z'), 'UTC')).toBeUndefined();
    expect(dueReminder(rotated, new Date('2027-08-28T09:00:00Z'), 'UTC')?.daysLeft).toBe(30);
  });

  it('says when the next reminder goes', () => {
    const c = credential({ sent: [`${EXPIRES}|30`] });
    expect(nextReminderAt(c, new Date('2027-03-10T09:00:00Z'), 'UTC')?.toISOString()).toBe('2027-03-17T00:00:00.000Z');
    expect(nextReminderAt(credential({ expiresAt: undefined }), new Date(), 'UTC')).toBeUndefined();
    const overdue = credential({ sent: [`${EXPIRES}|overdue2`] });
    expect(nextReminderAt(overdue, new Date('2027-04-02T09:00:00Z'), 'UTC')?.toISOString()).toBe('2027-04-03T00:00:00.000Z');
  });
});
