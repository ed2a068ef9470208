import { randomUUID } from 'node:crypto';
import { startBotConnectorEmulator, type BotConnectorEmulator, type Delivered } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { sendAsTeams } from '../../emulators/send-as-teams';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixtureFrom } from '../support/fixtures';
import { ManualClock } from '../support/manual-clock';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

const ADA = { userId: '29:ada', aadObjectId: '0d7e6b1a-4444-4a1b-8c1d-00000000ad01', name: 'Ada Admin', conversationId: 'a:ada', email: 'ada@contoso.example' };
const SAM = { userId: '29:sam', aadObjectId: '0d7e6b1a-4444-4a1b-8c1d-00000000ad02', name: 'Sam Seller', conversationId: 'a:sam', email: 'sam@contoso.example' };
const CHANNEL = { id: '19:sales-leads@thread.tacv2', conversationType: 'channel', tenantId: TENANT_ID };
const MINUTE = 60_000;
/** 07:30 in Seoul on 3 December 2026: half an hour before DIGEST_HOUR. */
const START = Date.parse('2026-12-02T22:30:00Z');

const textOf = (d: Delivered | undefined): string => (typeof d?.activity.text === 'string' ? d.activity.text : '');

// DIGEST_HOUR 8 in Asia/Seoul. Two instances share the storage; the clock is the test's.
describe('the daily digest', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  const clock = new ManualClock(START);
  const prefix = uniquePrefix();
  const running: TestApp[] = [];
  let a: TestApp;

  const start = async (instanceId: string): Promise<TestApp> => {
    const app = await startTestApp(
      { ...dynamicsEnv(dv.url), STORAGE_NAME_PREFIX: prefix, ADMINS: ADA.email, TEAMS_TENANT_ID: TENANT_ID, BOT_TIME_ZONE: 'Asia/Seoul', DIGEST_HOUR: '8' },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, now: () => new Date(clock.now()), clock, instanceId },
    );
    running.push(app);
    return app;
  };

  let sent = 0;
  /** What the bot answered someone in a chat (a channel's answers go to the message's thread). */
  const answer = async (who: typeof ADA, activity: Record<string, unknown>, conversation?: typeof CHANNEL): Promise<string> => {
    const seen = connector.delivered.length;
    const conversationId = conversation?.id ?? who.conversationId;
    sent++;
    await sendAsTeams(a.url, connector.serviceUrl, { ...who, conversationId }, { id: `m-${String(sent)}`, ...activity, ...(conversation === undefined ? {} : { conversation }) });
    const [said] = await waitFor(() => Promise.resolve(connector.delivered.slice(seen).filter((d) => d.conversationId.split(';')[0] === conversationId && d.method === 'POST')), (d) => d.length > 0);
    return textOf(said);
  };

  /** A lead received `minutesBefore` now, claimed and contacted after so many minutes (by Sam). */
  const seed = async (minutesBefore: number, email: string, actions: { claimAfter?: number; touchAfter?: number } = {}): Promise<void> => {
    const receivedAt = new Date(clock.now() - minutesBefore * MINUTE);
    const id = randomUUID();
    const leads = a.app.storage.leads;
    await leads.create({ ...parseHttpsLead(fixtureFrom('https-appsource-contact-me', email)), id, origin: 'https', receivedAt: receivedAt.toISOString() });
    // Long done: no worker, sweep or escalation takes it up.
    await leads.update(id, { status: 'done', alertedAt: receivedAt.toISOString() });
    const after = (m: number): Date => new Date(receivedAt.getTime() + m * MINUTE);
    if (actions.claimAfter !== undefined) await leads.claim(id, { name: SAM.name }, after(actions.claimAfter));
    if (actions.touchAfter !== undefined) await leads.markContacted(id, { name: SAM.name }, after(actions.touchAfter), false);
  };
  const digests = (): Delivered[] => connector.delivered.filter((d) => d.method === 'POST' && d.activity.summary === 'Daily lead digest');

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    for (const person of [ADA, SAM]) connector.members.set(person.userId, { name: person.name, aadObjectId: person.aadObjectId, email: person.email, userPrincipalName: person.email, userRole: 'user' });
    a = await start('a');
    await start('b');
    await answer(ADA, { type: 'installationUpdate', action: 'add' }, CHANNEL);
    await answer(SAM, { type: 'installationUpdate', action: 'add' });
  });
  afterAll(async () => {
    for (const app of running) await app.stop();
    await connector.stop();
    await dv.stop();
  });

  it('is chosen for a chat by an admin; a seller is told to ask one', async () => {
    expect(await answer(ADA, { type: 'message', text: 'subscribe digest' }, CHANNEL)).toBe(
      "Done. This channel gets the daily digest at 08:00 (Asia/Seoul): the last 24 hours' leads per offer, the unclaimed backlog, and how fast sellers claimed and contacted them. Type **unsubscribe digest** to stop.",
    );
    expect(await answer(SAM, { type: 'message', text: 'subscribe digest' })).toBe(
      "The daily digest shows every seller's figures, so an admin chooses where it goes: ask one to type **subscribe digest** in your team's channel.",
    );
    expect((await a.app.installations.get(SAM.conversationId))?.digest).toBeUndefined();
    // Stopping it in one's own chat needs no admin.
    expect(await answer(SAM, { type: 'message', text: 'unsubscribe digest' })).toBe('Nothing to change. You get no daily digest. Type **subscribe digest** to get it.');
  });

  it('goes at DIGEST_HOUR, once a day across instances, with the figures of the 24 hours before', async () => {
    await seed(30, 'one@fabrikam.example', { claimAfter: 4, touchAfter: 30 });
    await seed(120, 'two@fabrikam.example', { claimAfter: 10 });
    await seed(600, 'three@fabrikam.example');
    await seed(26 * 60, 'old@fabrikam.example');

    // 07:59: not yet.
    await clock.advance(29 * MINUTE);
    await Promise.all(running.map((r) => r.app.digest.tick()));
    expect(digests()).toHaveLength(0);

    // 08:00: one digest, to the channel only, whichever instance looks.
    await clock.advance(MINUTE);
    await Promise.all(running.map((r) => r.app.digest.tick()));
    const [digest] = await waitFor(() => Promise.resolve(digests()), (d) => d.length >= 1);
    await Promise.all(running.map((r) => r.app.digest.tick()));
    expect(digests().map((d) => d.conversationId)).toEqual([CHANNEL.id]);
    const card = JSON.stringify(digest?.activity.attachments);
    expect(card).toContain('"value":"3 (Contact me 3 · Trial 0 · Get it now 0 · Other 0)"');
    expect(card).toContain('"value":"2, median 7 min after arrival"');
    expect(card).toContain('"value":"1, median 30 min after arrival"');
    // The lead of 10 hours before, and the one of 26 hours before (05:30 the day before), still wait for someone.
    expect(card).toContain('"value":"2 (the oldest received 2 Dec 2026, 05:30 KST)"');
    expect(card).toContain('"text":"Sam Seller"');

    // Later that day: nothing more. The next morning: the next digest.
    await clock.advance(6 * 60 * MINUTE);
    await Promise.all(running.map((r) => r.app.digest.tick()));
    expect(digests()).toHaveLength(1);
    await clock.advance(18 * 60 * MINUTE);
    await Promise.all(running.map((r) => r.app.digest.tick()));
    await waitFor(() => Promise.resolve(digests()), (d) => d.length === 2);
    expect(JSON.stringify(digests()[1]?.activity.attachments)).toContain('"value":"none"');
  });

  it('stops when an admin types unsubscribe digest', async () => {
    expect(await answer(ADA, { type: 'message', text: 'unsubscribe digest' }, CHANNEL)).toBe('Done. This channel gets no daily digest. Type **subscribe digest** to get it.');
    await clock.advance(24 * 60 * MINUTE);
    await Promise.all(running.map((r) => r.app.digest.tick()));
    expect(digests()).toHaveLength(2);
  });
});
