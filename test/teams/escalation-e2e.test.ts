import { startBotConnectorEmulator, type BotConnectorEmulator, type Delivered } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { freePort } from '../../emulators/free-port';
import type { GraphEmulator } from '../../emulators/graph';
import { mailSettings } from '../../emulators/local-stack';
import { sendAsTeams } from '../../emulators/send-as-teams';
import { fixtureFrom } from '../support/fixtures';
import { ManualClock } from '../support/manual-clock';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse, startGraph } from '../support/shared-services';
import { postLead, startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

const ADMIN = { userId: '29:ada', aadObjectId: '0d7e6b1a-2222-4a1b-8c1d-00000000ad01', name: 'Ada Admin', conversationId: 'a:ada', email: 'ada@contoso.example' };
/** The admins' channel, where Ada types `subscribe escalations`. */
const CHANNEL = { id: '19:lead-desk@thread.tacv2', conversationType: 'channel', tenantId: TENANT_ID };
/** A seller in the admins' channel, not an admin. */
const SAM = { userId: '29:sam', aadObjectId: '0d7e6b1a-2222-4a1b-8c1d-00000000ad02', name: 'Sam Seller', email: 'sam@contoso.example' };
/** A channel of another organisation that chose escalations: it never gets one. */
const ELSEWHERE = '19:other-tenant@thread.tacv2';
/** On the contact list with no chat with the bot: the lead reaches them by mail. */
const OUTSIDER = 'partner@fabrikam.example';
/** An admin by address who never opened the app: the admins' step reaches her by mail. */
const BOSS = 'boss@contoso.example';
const MINUTE = 60_000;

const textOf = (d: Delivered | undefined): string => (typeof d?.activity.text === 'string' ? d.activity.text : '');

// ESCALATE_AFTER_MINUTES and ESCALATE_TO_ADMINS_AFTER_MINUTES at their defaults (5 and 30): two
// sellers on the contact list in Teams, one by mail; an admin, and a channel that chose
// escalations. Two instances share the storage; the clock is the test's.
describe('a lead nobody claims is announced again, then goes to the admins', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let graph: GraphEmulator;
  const clock = new ManualClock(Date.now());
  const prefix = uniquePrefix();
  const running: TestApp[] = [];
  let a: TestApp;

  const start = async (instanceId: string): Promise<TestApp> => {
    const port = await freePort();
    const app = await startTestApp(
      {
        ...dynamicsEnv(dv.url),
        ...mailSettings(graph),
        PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
        STORAGE_NAME_PREFIX: prefix,
        LEAD_CONTACTS: `seller0@contoso.example;seller1@contoso.example;${OUTSIDER}`,
        ADMINS: `${ADMIN.email};${BOSS}`,
        TEAMS_TENANT_ID: TENANT_ID,
      },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, now: () => new Date(clock.now()), clock, instanceId },
      port,
    );
    running.push(app);
    return app;
  };

  let sent = 0;
  /** What the bot answered Ada in a chat (a channel's answers go to the message's thread). */
  const adaSays = async (text: string, conversation?: typeof CHANNEL): Promise<string> => {
    const seen = connector.delivered.length;
    const conversationId = conversation?.id ?? ADMIN.conversationId;
    sent++;
    const response = await sendAsTeams(a.url, connector.serviceUrl, { ...ADMIN, conversationId }, { type: 'message', id: `ada-${String(sent)}`, text, ...(conversation === undefined ? {} : { conversation }) });
    expect(response.status).toBeLessThan(300);
    const [said] = await waitFor(() => Promise.resolve(connector.delivered.slice(seen).filter((d) => d.conversationId.split(';')[0] === conversationId && d.method === 'POST')), (d) => d.length > 0);
    return textOf(said);
  };

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    graph = await startGraph();
    for (const person of [ADMIN, SAM]) connector.members.set(person.userId, { name: person.name, aadObjectId: person.aadObjectId, email: person.email, userPrincipalName: person.email, userRole: 'user' });
    a = await start('a');
    await start('b');
    await seedSellers(a.app.installations, connector.serviceUrl, 2);
    // Ada adds the app in her own chat and in the channel.
    for (const conversation of [undefined, CHANNEL]) {
      await sendAsTeams(a.url, connector.serviceUrl, { ...ADMIN, conversationId: conversation?.id ?? ADMIN.conversationId }, { type: 'installationUpdate', action: 'add', id: `add-${conversation?.id ?? 'personal'}`, ...(conversation === undefined ? {} : { conversation }) });
    }
    await waitFor(() => a.app.installations.list(), (all) => all.length === 4);
    const otherTenant = 'aaaaaaaa-1111-4222-8333-444444444444';
    await a.app.installations.save({
      conversationId: ELSEWHERE,
      kind: 'channel',
      tenantId: otherTenant,
      userId: undefined,
      aadObjectId: undefined,
      email: undefined,
      userPrincipalName: undefined,
      name: undefined,
      escalations: true,
      reference: { serviceUrl: connector.serviceUrl, channelId: 'msteams', conversation: { id: ELSEWHERE, conversationType: 'channel', isGroup: true, tenantId: otherTenant } },
      updatedAt: new Date().toISOString(),
    });
  });
  afterAll(async () => {
    for (const app of running) await app.stop();
    await connector.stop();
    await dv.stop();
    await graph.stop();
  });

  /** A new lead, its cards sent: its id. */
  const newLead = async (n: number, fixture = 'https-appsource-contact-me'): Promise<string> => {
    const leadId = (await postLead(a.url, fixtureFrom(fixture, `customer${String(n)}@fabrikam.example`))).body.leadId as string;
    await waitFor(() => a.app.storage.leads.get(leadId), (l) => l?.status === 'done' && l.alertedAt !== undefined);
    return leadId;
  };
  /** The cards posted (not updates) for the lead, by chat. */
  const cardsFor = (leadId: string): Delivered[] => connector.delivered.filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(leadId));
  const chatsOf = (cards: readonly Delivered[]): string[] => cards.map((c) => c.conversationId).sort();
  /** The lead's cards once there are `count` of them (an instance's own loop may be sending some still). */
  const cardsOnce = (leadId: string, count: number): Promise<Delivered[]> => waitFor(() => Promise.resolve(cardsFor(leadId)), (c) => c.length >= count);
  /** Moves the clock on and lets both instances look, at once. */
  const minutesLater = async (minutes: number): Promise<void> => {
    await clock.advance(minutes * MINUTE);
    await Promise.all(running.map((r) => r.app.escalator.tick()));
  };

  it('takes `subscribe escalations` in a channel from an admin; in a personal chat it says where escalations go', async () => {
    expect(await adaSays('subscribe escalations', CHANNEL)).toBe(
      'Done. This channel gets the leads still unclaimed 30 min after they were announced (ESCALATE_TO_ADMINS_AFTER_MINUTES), as the admins do. Type **unsubscribe escalations** to stop.',
    );
    expect(await adaSays('subscribe escalations', CHANNEL)).toMatch(/^Nothing to change\. This channel gets the leads still unclaimed/);
    expect(await adaSays('subscribe escalations')).toContain("Escalations (leads nobody claimed in time) go to the admins' own chats with me");
    expect((await a.app.installations.get(CHANNEL.id))?.escalations).toBe(true);
  });

  it('after 5 minutes announces the lead again where it went, once, by card and mail; after 30 the admins and the channel have it', async () => {
    const leadId = await newLead(1);
    expect(chatsOf(cardsFor(leadId))).toEqual(['a:conversation-0', 'a:conversation-1']);
    expect(graph.mails.filter((m) => m.content.includes(leadId)).map((m) => m.subject)).toEqual([expect.stringMatching(/^New lead: /)]);

    await minutesLater(4);
    expect(cardsFor(leadId)).toHaveLength(2);

    await minutesLater(1);
    const again = (await cardsOnce(leadId, 4)).slice(2);
    expect(chatsOf(again)).toEqual(['a:conversation-0', 'a:conversation-1']);
    for (const card of again) {
      expect(card.activity.summary).toBe('Lead still unclaimed');
      expect(JSON.stringify(card.activity.attachments)).toContain('Nobody has claimed this lead 5 min after it was announced.');
    }
    const mails = await waitFor(() => Promise.resolve(graph.mails.filter((m) => m.to.includes(OUTSIDER) && m.content.includes(leadId))), (m) => m.length === 2);
    expect(mails[1]?.subject).toMatch(/^Still unclaimed: /);
    expect(mails[1]?.content).toContain('Nobody has claimed this lead 5 min after it was announced.');

    await minutesLater(23);
    expect(cardsFor(leadId)).toHaveLength(4);
    await minutesLater(2);
    const toAdmins = (await cardsOnce(leadId, 6)).slice(4);
    expect(chatsOf(toAdmins)).toEqual([ADMIN.conversationId, CHANNEL.id].sort());
    for (const card of toAdmins) expect(JSON.stringify(card.activity.attachments)).toContain('30 min after it was announced, so the admins have it too.');
    // The admin with no chat with the bot has it by mail; Ada, in Teams, has no mail.
    const [toBoss] = await waitFor(() => Promise.resolve(graph.mails.filter((m) => m.to.includes(BOSS) && m.content.includes(leadId))), (m) => m.length > 0);
    expect(toBoss?.subject).toMatch(/^Still unclaimed: /);
    expect(toBoss?.content).toContain('30 min after it was announced, so the admins have it too.');
    expect(toBoss?.content).toContain('You get this because you are one of the lead bot&#39;s admins (ADMINS).');
    expect(mails[0]?.content).toContain('You get this because you are on the contact list for marketplace leads.');
    expect(graph.mails.filter((m) => m.to.includes(ADMIN.email))).toEqual([]);
    // Nothing more, however long nobody claims it; and no more mail.
    await minutesLater(60);
    expect(cardsFor(leadId)).toHaveLength(6);
    expect(graph.mails.filter((m) => m.content.includes(leadId)).map((m) => m.to)).toEqual([[OUTSIDER], [OUTSIDER], [BOSS]]);

    // `status` counts it as unclaimed, and gone to the admins.
    const asked = connector.delivered.length;
    await adaSays('status');
    const status = connector.delivered.slice(asked).find((d) => d.conversationId === ADMIN.conversationId);
    expect(JSON.stringify(status?.activity.attachments)).toMatch(/"title":"Unclaimed","value":"1 lead\(s\) in the last 7 days, oldest received [^";]+; 1 went to the admins"/);

    // Claimed from the channel's escalation card, by a seller there: every copy says so, the escalation line gone.
    const channelCard = toAdmins.find((c) => c.conversationId === CHANNEL.id);
    const seen = connector.delivered.length;
    const response = await sendAsTeams(a.url, connector.serviceUrl, { ...SAM, conversationId: CHANNEL.id }, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `claim-${leadId}`,
      conversation: CHANNEL,
      replyToId: channelCard?.activityId,
      value: { action: { type: 'Action.Execute', verb: 'claimLead', data: { leadId } }, trigger: 'manual' },
    });
    expect(response.status).toBe(200);
    const answer = JSON.stringify(await response.json());
    expect(answer).toContain('"text":"Sam Seller"');
    expect(answer).not.toContain('Nobody has claimed');
    // The five other copies (two in each seller's chat, one in Ada's), each as it was updated last.
    const others = cardsFor(leadId).filter((c) => c !== channelCard).map((c) => c.activityId);
    const latest = (): Map<string, string> => new Map(connector.delivered.slice(seen).filter((d) => d.method === 'PUT').map((d) => [d.activityId, JSON.stringify(d.activity.attachments)]));
    const updated = await waitFor(() => Promise.resolve(latest()), (l) => others.every((id) => l.get(id)?.includes('"text":"Sam Seller"') === true));
    for (const card of updated.values()) expect(card).not.toContain('Nobody has claimed');
  });

  it('never escalates a lead claimed or disqualified in time, nor a do-not-contact lead', async () => {
    const claimed = await newLead(2);
    await a.app.storage.leads.claim(claimed, { name: 'Seller 0' }, new Date(clock.now()));
    const disqualified = await newLead(5);
    await a.app.storage.leads.disqualify(disqualified, { name: 'Seller 1' }, 6, new Date(clock.now()), false);
    const doNotContact = await newLead(3, 'https-do-not-contact');
    const leads = [claimed, disqualified, doNotContact];
    const before = leads.map((id) => cardsFor(id).length);
    await minutesLater(6);
    await minutesLater(30);
    expect(leads.map((id) => cardsFor(id).length)).toEqual(before);
    expect((await a.app.storage.leads.escalationsDue(new Date(clock.now()))).filter((id) => leads.includes(id))).toEqual([]);
  });

  it('does not hold the admins back while a chat keeps refusing the first step', async () => {
    const leadId = await newLead(6);
    connector.gone.set('a:conversation-1', { status: 503, code: 'ServiceUnavailable' });
    try {
      await minutesLater(6);
      // At 30 minutes the first step is left at that (seller 1's chat never took it), and the admins have it.
      await minutesLater(24);
      // Whichever instance took the first step again gives up on seller 1's chat; the admins' step
      // is due at once, taken by the next look of any instance.
      const cards = await waitFor(async () => {
        await Promise.all(running.map((r) => r.app.escalator.tick()));
        return cardsFor(leadId);
      }, (c) => c.length >= 5);
      expect(chatsOf(cards.slice(2))).toEqual([ADMIN.conversationId, CHANNEL.id, 'a:conversation-0'].sort());
    } finally {
      connector.gone.delete('a:conversation-1');
    }
  }, 90_000);

  it('tries a step again for the chats it could not reach, on any instance, one started since included: each chat once', async () => {
    const leadId = await newLead(4);
    // Seller 1's chat answers 503 for now: the step reaches seller 0, and waits for its retry.
    connector.gone.set('a:conversation-1', { status: 503, code: 'ServiceUnavailable' });
    await minutesLater(6);
    expect(chatsOf((await cardsOnce(leadId, 3)).slice(2))).toEqual(['a:conversation-0']);
    // The step is held past its sends' retries: until then, nobody takes it again.
    await waitFor(() => a.app.storage.leads.get(leadId), (l) => l?.escalation?.step === 1);
    connector.gone.delete('a:conversation-1');
    await start('c');
    await minutesLater(3);
    expect(chatsOf((await cardsOnce(leadId, 4)).slice(2))).toEqual(['a:conversation-0', 'a:conversation-1']);
    await minutesLater(1);
    expect(cardsFor(leadId)).toHaveLength(4);
  });
});
