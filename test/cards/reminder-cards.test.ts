import { alarmCard } from '../../src/cards/alarm-card';
import { reminderCard } from '../../src/cards/reminder-card';
import { rotationCard } from '../../src/cards/rotation-card';
import { loadSettings } from '../../src/config/settings';
import type { Credential } from '../../src/reminders/credential';
import { credentialFacts, reminderFor } from '../../src/reminders/describe-credential';
import { dateProblem } from '../../src/commands/rotation';
import { messagesIn } from '../../src/language/messages';
import { parseCalendarDate } from '../../src/timing/calendar-date';
import { cardProblems } from '../support/validate-card';
import { testEnv } from '../support/test-app';

const NOW = new Date('2027-03-24T09:00:00Z');
const SECRET: Credential = {
  id: 'dynamics-secret',
  name: 'Dynamics client secret',
  kind: 'client-secret',
  builtIn: true,
  expiresAt: '2027-03-31T00:00:00.000Z',
  changedAt: undefined,
  source: 'chat',
  setBy: 'Mallory [click](https://evil.example)',
  graphProblem: 'Graph refused (Authorization_RequestDenied): the sign-in needs Application.Read.All.',
  snoozedUntil: undefined,
  sent: [],
};
const settings = loadSettings(testEnv());
const EN = { language: 'en', timeZone: 'UTC' } as const;
const KO_SEOUL = { language: 'ko', timeZone: 'Asia/Seoul' } as const;

describe('the reminder, rotation and alarm cards', () => {
  it('reminder: valid whether the date is typed (a date input) or read from Graph (none), before and after the admin acts', () => {
    const typed = reminderCard(reminderFor(SECRET, settings, NOW, EN), EN);
    const fromGraph = reminderCard(reminderFor({ ...SECRET, source: 'graph' }, settings, NOW, EN), EN);
    const done = reminderCard({ ...reminderFor(SECRET, settings, NOW, EN), confirmation: 'Recorded by Alex: expires in 180 days.' }, EN);
    for (const card of [typed, fromGraph, done]) {
      expect(cardProblems(card)).toEqual([]);
      expect(JSON.stringify(card)).not.toMatch(/\$\{|undefined|null/);
    }
    expect(JSON.stringify(typed)).toContain('{"type":"Input.Date","id":"newDate","label":"New expiry","value":"2027-09-20","separator":true}');
    expect(JSON.stringify(fromGraph)).not.toContain('Input.Date');
    expect(JSON.stringify(done)).not.toContain('"actions":[{');
    expect(JSON.stringify(done)).toContain('{"type":"TextRun","text":"Recorded by Alex: expires in 180 days."}');
  });

  it('reminder: says how long is left in words, red from 3 days, and a password asks for the day it changed', () => {
    const headline = (c: Credential): string => JSON.stringify(reminderCard(reminderFor(c, settings, NOW, EN), EN));
    expect(headline(SECRET)).toContain('"text":"Dynamics client secret expires in 7 days","size":"Large","weight":"Bolder","wrap":true,"color":"Warning"');
    expect(headline({ ...SECRET, expiresAt: '2027-03-22T00:00:00.000Z' })).toContain('"text":"Dynamics client secret expired 2 days ago","size":"Large","weight":"Bolder","wrap":true,"color":"Attention"');
    // On the day: a typed date has no time, so it "expires today" all day; Graph's exact time tells once it has passed.
    const onTheDay = new Date('2027-03-31T10:00:00Z');
    expect(JSON.stringify(reminderCard(reminderFor(SECRET, settings, onTheDay, EN), EN))).toContain('"text":"Dynamics client secret expires today"');
    const fromGraph = { ...SECRET, source: 'graph' as const, expiresAt: '2027-03-31T09:30:00.000Z' };
    expect(JSON.stringify(reminderCard(reminderFor(fromGraph, settings, onTheDay, EN), EN))).toContain('"text":"Dynamics client secret expired today"');
    const password = { ...SECRET, id: 'dynamics-password', kind: 'password' as const, name: 'Office 365 password of leads@contoso.example' };
    expect(headline(password)).toContain('"label":"Changed on","value":"2027-03-24"');
    expect(headline(password)).toContain('Microsoft 365 admin center → Users → Active users');
  });

  it('reminder in Korean: every word of the card from the catalogue, the days and the suggested date in Seoul', () => {
    // 20:00 UTC on the 24th is the 25th in Seoul: a day nearer the expiry, and the day a password changes.
    const evening = new Date('2027-03-24T20:00:00Z');
    const korean = JSON.stringify(reminderCard(reminderFor(SECRET, settings, evening, KO_SEOUL), KO_SEOUL));
    expect(cardProblems(JSON.parse(korean) as object)).toEqual([]);
    expect(korean).toContain('"text":"Dynamics 클라이언트 암호: 6일 후 만료"');
    expect(korean).toContain('"text":"교체 방법"');
    expect(korean).toContain('"title":"교체했어요"');
    expect(korean).toContain('"title":"만료","value":"2027년 3월 31일 오전 9:00 (KST)"');
    expect(korean).toContain('인증서 및 암호');
    const password = { ...SECRET, id: 'dynamics-password', kind: 'password' as const };
    expect(JSON.stringify(reminderFor(password, settings, evening, KO_SEOUL))).toContain('"dateLabel":"변경한 날","suggestedDate":"2027-03-25"');
    // English words left on a Korean card would show up as Latin letters outside names, codes and settings.
    const words = korean.match(/"(?:text|title|label)":"[^"]*"/g) ?? [];
    expect(words.filter((w) => /\b(the|and|to|it|of)\b/.test(w))).toEqual([]);
  });

  it('the day a reminder suggests for a password is never refused as in the future, at any hour in Seoul', () => {
    const password = { ...SECRET, id: 'dynamics-password', kind: 'password' as const };
    const say = messagesIn('ko');
    for (let hour = 0; hour < 24; hour++) {
      const now = new Date(Date.UTC(2027, 2, 24, hour, 30));
      const suggested = parseCalendarDate(reminderFor(password, settings, now, KO_SEOUL).suggestedDate);
      expect(suggested === undefined ? 'no date' : dateProblem('password', suggested, now, 'Asia/Seoul', say)).toBeUndefined();
    }
    // The day after, in Seoul, is.
    expect(dateProblem('password', new Date('2027-03-26T00:00:00Z'), new Date('2027-03-24T23:30:00Z'), 'Asia/Seoul', say)).toBe('암호는 마지막으로 바꾼 날을 입력하세요. 미래 날짜예요: 2027-03-26');
  });

  it("rotation: a name someone chose is not rendered as markdown where the card renders it", () => {
    const facts = credentialFacts(SECRET, settings, NOW, EN);
    expect(facts.find((f) => f.label === 'Known from')?.value).toBe('set in chat by Mallory clickhttps://evil.example');
    const card = rotationCard({ generatedAt: NOW.toISOString(), credentials: [{ id: SECRET.id, name: SECRET.name, urgent: true, facts }], warning: '', usage: 'Type rotation set…' }, EN);
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toMatch(/\$\{|undefined|null|\[click\]/);
  });

  it('alarm: valid, with the cause, the fix and a Run validate button', () => {
    const card = alarmCard({ code: 'DYNAMICS_SECRET_EXPIRED', message: 'Sign-in failed: the client secret has expired (AADSTS7000222).', fix: 'Create a new secret.', since: NOW.toISOString() }, { language: 'en', timeZone: 'UTC' });
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain('"verb":"runValidate"');
    expect(JSON.stringify(card)).toContain('{"title":"Since","value":"24 Mar 2027, 09:00 UTC"}');
  });
});
