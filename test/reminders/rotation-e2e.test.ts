import { startPlayground, type Playground, type StreamedMessage } from '../../emulators/agents-playground';
import { waitFor } from '../support/pipeline';
import { startTestApp, type TestApp } from '../support/test-app';
import { formatTime } from '../../src/language/times';

/** A day at midnight UTC, as the cards show it. */
const midnight = (day: string): string => formatTime(`${day}T00:00:00.000Z`, { language: 'en', timeZone: 'UTC' });

const CARD = 'application/vnd.microsoft.card.adaptive';
const DAY = 86_400_000;
const cardOf = (message: StreamedMessage | { value: unknown }): string =>
  'attachments' in message ? JSON.stringify(message.attachments.find((a) => a.contentType === CARD)?.content ?? null) : JSON.stringify(message.value);
const day = (date: Date): string => date.toISOString().slice(0, 10);

describe('credential rotation in Teams, as an admin, through the Agents Playground', () => {
  let t: TestApp;
  let playground: Playground;
  let chat: string;
  let clock: Date;

  /** The reminders the admin has got so far. */
  const reminders = (): StreamedMessage[] => playground.messages.filter((m) => m.conversationId === chat && cardOf(m).includes('Credential rotation'));

  beforeAll(async () => {
    clock = new Date();
    // The client secret expires in 6 days, as the settings say (Graph is not there locally).
    t = await startTestApp({ ADMINS: 'alexw@example.com', DYNAMICS_CLIENT_SECRET_EXPIRES: day(new Date(clock.getTime() + 6 * DAY)) }, { now: () => clock });
    playground = await startPlayground(`${t.url}/api/messages`);
    chat = playground.config.personalChat.id;
    await playground.install(chat);
  });
  afterAll(async () => {
    await playground.stop();
    await t.stop();
  });

  it('rotation lists the credentials, their expiry and the next reminder', async () => {
    // What the first check after start does (rotation itself only reads the registry: it must answer fast).
    await t.app.credentials.sync();
    const card = cardOf(await playground.ask(chat, 'rotation'));
    expect(card).toContain('"text":"Dynamics client secret (dynamics-secret)"');
    expect(card).toContain(`{"title":"Expires","value":"${midnight(day(new Date(clock.getTime() + 6 * DAY)))}"}`);
    expect(card).toContain('{"title":"Known from","value":"the bot\'s settings"}');
    // Six days out, the 7-day reminder is due and not sent yet.
    expect(card).toContain('{"title":"Next reminder","value":"at the next check"}');
    expect(card).toContain('"color":"Attention"');
  });

  it('the reminder card: Snooze 1 day holds it back a day, then it comes again', async () => {
    await t.app.reminders.tick();
    const [reminder] = await waitFor(reminders, (r) => r.length === 1);
    if (reminder === undefined) throw new Error('no reminder');
    expect(cardOf(reminder)).toContain('Dynamics client secret expires in 6 days');
    expect(cardOf(reminder)).toContain('Certificates & secrets → New client secret');

    const snoozed = cardOf(await playground.execute(chat, reminder.messageId, 'snoozeReminder', { credentialId: 'dynamics-secret' }));
    expect(snoozed).toContain('Snoozed by Alex Wilber: I will remind you again on');
    expect(snoozed).not.toContain('"verb":"snoozeReminder"');

    clock = new Date(clock.getTime() + DAY - 60_000);
    await t.app.reminders.tick();
    clock = new Date(clock.getTime() + 120_000);
    await t.app.reminders.tick();
    await t.app.reminders.tick();
    const [, again] = await waitFor(reminders, (r) => r.length === 2);
    expect(cardOf(again ?? reminder)).toContain('Dynamics client secret expires in 5 days');
  });

  it("I've rotated it records the new expiry typed on the card, and the series starts again from it", async () => {
    const reminder = reminders().at(-1);
    if (reminder === undefined) throw new Error('no reminder');
    const newExpiry = day(new Date(clock.getTime() + 180 * DAY));
    const answer = cardOf(await playground.execute(chat, reminder.messageId, 'credentialRotated', { credentialId: 'dynamics-secret', newDate: newExpiry }));
    expect(answer).toContain(`Recorded by Alex Wilber: Dynamics client secret expires in 180 days (${midnight(newExpiry)}).`);
    expect(await t.app.credentials.registry.get('dynamics-secret')).toMatchObject({ expiresAt: `${newExpiry}T00:00:00.000Z`, source: 'chat', setBy: 'Alex Wilber' });
    await t.app.reminders.tick();
    expect(reminders()).toHaveLength(2);

    const wrong = await playground.execute(chat, reminder.messageId, 'credentialRotated', { credentialId: 'dynamics-secret', newDate: '2027-02-30' });
    expect(wrong.value).toBe('"2027-02-30" is not a date; write it as YYYY-MM-DD, like 2027-03-31.');
  });

  it('rotation set, add, remove and rotated check what they are given', async () => {
    const ask = async (text: string): Promise<string> => (await playground.ask(chat, text)).text ?? '';
    expect(await ask('rotation set dynamics-secret 31/03/2027')).toBe('"31/03/2027" is not a date; write it as YYYY-MM-DD, like 2027-03-31.');
    expect(await ask('rotation set nope 2027-03-31')).toMatch(/^I don't track "nope"\. I track \*\*dynamics-secret\*\*\. Type \*\*rotation set NAME YYYY-MM-DD\*\*/);
    expect(await ask('rotation set dynamics-secret 2099-01-01')).toBe('2099-01-01 is more than 10 years away; check the year.');
    expect(await ask('rotation set a/b#c 2027-03-31')).toMatch(/^I don't track "a\/b#c"\./);
    expect(await ask('rotation frobnicate')).toMatch(/^I did not understand "rotation frobnicate"\./);

    const expiry = day(new Date(clock.getTime() + 40 * DAY));
    expect(await ask(`rotation add Partner-Center-Key ${expiry}`)).toBe(
      `Now tracking **partner-center-key**: it expires in 40 days (${midnight(expiry)}). Admins get reminders 30, 14, 7, 3 and 1 days before, on the day, and daily after.`,
    );
    expect(await ask(`rotation add partner-center-key ${expiry}`)).toMatch(/^I already track \*\*partner-center-key\*\*/);
    expect(await ask('rotated partner-center-key')).toBe('When does the new one expire? Type **rotated partner-center-key YYYY-MM-DD**.');
    expect(await ask('rotation remove dynamics-secret')).toMatch(/^\*\*dynamics-secret\*\* is one the bot signs in with, so it stays tracked\./);
    expect(await ask('rotation remove partner-center-key')).toBe('Stopped tracking **partner-center-key**; no more reminders about it.');
    expect(await t.app.credentials.registry.get('partner-center-key')).toBeUndefined();

    const set = day(new Date(clock.getTime() + 20 * DAY));
    expect(await ask(`rotation set dynamics-secret ${set}`)).toBe(
      `Recorded by Alex Wilber: Dynamics client secret expires in 20 days (${midnight(set)}). Make sure the new value is in the bot's settings; type **validate** to check.`,
    );
    // status shows it too, next to how the bot signs in.
    expect(cardOf(await playground.ask(chat, 'status'))).toContain(`{"title":"Dynamics client secret","value":"expires in 20 days (${midnight(set)})"}`);
  });

  it('an admin who chose Korean gets the rotation card, the answers and the reminders in Korean', async () => {
    expect((await playground.ask(chat, 'subscribe ko')).text).toContain('한국어');
    const card = cardOf(await playground.ask(chat, '교체'));
    expect(card).toContain('"text":"자격 증명과 만료일"');
    expect(card).toContain('"text":"Dynamics 클라이언트 암호 (dynamics-secret)"');
    expect(card).toContain('{"title":"날짜 출처","value":"Alex Wilber 님이 채팅에서 입력"}');
    expect((await playground.ask(chat, '교체 set dynamics-secret 31/03/2027')).text).toBe('날짜가 아니에요: "31/03/2027". 2027-03-31처럼 YYYY-MM-DD 형식으로 쓰세요.');

    // The set date is 20 days out: 6 days on, the 14-day reminder comes, in Korean.
    clock = new Date(clock.getTime() + 6 * DAY);
    await t.app.reminders.tick();
    const korean = await waitFor(
      () => playground.messages.filter((m) => m.conversationId === chat && cardOf(m).includes('자격 증명 교체')),
      (r) => r.length === 1,
    );
    expect(cardOf(korean[0] ?? { value: null })).toContain('"text":"Dynamics 클라이언트 암호: 14일 후 만료"');
    expect(cardOf(korean[0] ?? { value: null })).toContain('"title":"하루 뒤에 다시 알림"');
    expect((await playground.ask(chat, 'subscribe en')).text).not.toContain('한국어');
  });
});
