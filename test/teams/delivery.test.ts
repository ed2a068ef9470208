import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { TENANT_ID } from '../../emulators/directory';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { allShowRecord, cardsPerChat, cardsSent } from '../support/connector-cards';
import { seedAdmin, seedSellers } from '../support/seed-installations';
import { postLead, startTestApp, testEnv, type TestApp } from '../support/test-app';

const SELLERS = 200;

describe('delivering lead cards to the contact list', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let t: TestApp;
  let contacts: string[];

  beforeEach(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    const env = testEnv({ ...dynamicsEnv(dv.url), TEAMS_MESSAGES_PER_SECOND: '40' });
    t = await startTestApp(env, { backgroundWork: false, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY });
    contacts = await seedSellers(t.app.installations, connector.serviceUrl, SELLERS);
  });
  afterEach(async () => {
    await t.stop();
    await connector.stop();
    await dv.stop();
  });

  /** The app again, now with the contact list set and its worker running. */
  async function restartWithContacts(extra: Record<string, string> = {}): Promise<void> {
    const env = { ...process.env, ...testEnv(), STORAGE_NAME_PREFIX: t.settings.storage.namePrefix, ...dynamicsEnv(dv.url), TEAMS_MESSAGES_PER_SECOND: '40', LEAD_CONTACTS: contacts.join(';'), ...extra };
    await t.stop();
    t = await startTestApp(env, { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY });
  }

  it(`serves each of ${SELLERS} contacts once, within Teams' rate limits`, async () => {
    await restartWithContacts();
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;

    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done', 30_000);
    const perConversation = cardsPerChat(connector.delivered);
    expect(perConversation.size).toBe(SELLERS);
    expect([...perConversation.values()].every((n) => n === 1)).toBe(true);
    // Cards sent before Dynamics answered were updated in place: every copy now says the lead is in Dynamics.
    await waitFor(() => allShowRecord(connector.delivered, leadId), (done) => done, 30_000);
    // Teams allows 50 per second (sends and updates alike); the connector answered none with 429.
    expect(connector.throttled).toBe(0);
    expect(connector.peakPerSecond()).toBeLessThanOrEqual(50);
    const card = (connector.delivered[0]?.activity.attachments as { contentType: string; content: { body: unknown[] } }[])[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(card?.content)).toContain('Dana Whitfield');
    expect((await t.app.deliveries.forLead(leadId)).filter((d) => d.status === 'sent')).toHaveLength(SELLERS);
  });

  it('serves everyone else when some conversations are gone, and stops sending to those', async () => {
    connector.gone.set('a:conversation-3', { status: 403, code: 'BotNotInConversationRoster' });
    connector.gone.set('a:conversation-7', { status: 404, code: 'ConversationNotFound' });
    await restartWithContacts({ LEAD_CONTACTS: contacts.slice(0, 10).join(';') });
    const leadId = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;

    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    expect(new Set(connector.delivered.map((d) => d.conversationId)).size).toBe(8);
    expect(await t.app.installations.get('a:conversation-3')).toBeUndefined();
    expect(await t.app.installations.get('a:conversation-7')).toBeUndefined();
    const failed = (await t.app.deliveries.forLead(leadId)).filter((d) => d.status === 'failed');
    expect(failed.map((d) => d.error).sort()).toEqual(['HTTP 403 BotNotInConversationRoster; conversation retired', 'HTTP 404 ConversationNotFound; conversation retired']);
  });

  it('never shows a Partner Center test lead to the sales team, and tells the admins it arrived', async () => {
    const admin = await seedAdmin(t.app.installations, connector.serviceUrl, { email: 'admin@contoso.example', tenantId: TENANT_ID });
    await restartWithContacts({ LEAD_CONTACTS: contacts.slice(0, 3).join(';'), ADMINS: 'admin@contoso.example', TEAMS_TENANT_ID: TENANT_ID });
    const leadId = (await postLead(t.url, fixture('https-partner-center-test-lead'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    expect(dv.leads.has(leadId)).toBe(true);
    expect(connector.delivered.map((d) => d.conversationId)).toEqual([admin]);
    const notice = connector.delivered[0]?.activity as { text: string; attachments: { content: unknown }[] };
    expect(notice.text).toContain("Partner Center's test lead arrived");
    expect(notice.text).toContain('The sales team was not alerted');
    const card = JSON.stringify(notice.attachments[0]?.content);
    expect(card).toContain('Test lead: sent by Partner Center');
    expect(card).toContain(`etn=lead&id=${leadId}`);
    expect(card).not.toContain('claimLead');
  });

  it('waits out Teams throttling a chat for longer than four tries, in the same pass, rather than giving the lead up for a while', async () => {
    // Teams answers every send with 429 + Retry-After 1 s until it has done so 20 times: the Bot
    // Framework client retries each send 3 times itself, so that is five of the bot's tries.
    connector.appPerSecond = 0;
    await restartWithContacts({ LEAD_CONTACTS: contacts[0] ?? '' });
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    // While it waits out a 429 the card is not in flight: were the bot to die now, the next pass would send it.
    const conversationId = (await t.app.installations.list()).find((i) => i.email === contacts[0])?.conversationId ?? '';
    await waitFor(() => t.app.deliveries.get(leadId, conversationId), (d) => d?.status === 'failed', 20_000);
    await waitFor(() => connector.throttled, (n) => n >= 20, 40_000);
    connector.appPerSecond = 50;

    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done', 30_000);
    expect(cardsSent(connector.delivered)).toHaveLength(1);
    expect((await t.app.deliveries.forLead(leadId)).map((d) => d.status)).toEqual(['sent']);
    expect((await t.app.storage.leads.get(leadId))?.failedPasses).toBe(0);
  }, 60_000);

  it('honours Retry-After when Teams throttles, and still serves everyone once', async () => {
    // A connector stricter than the app's setting: some sends get 429 + Retry-After 1 s.
    connector.appPerSecond = 10;
    await restartWithContacts({ LEAD_CONTACTS: contacts.slice(0, 20).join(';'), TEAMS_MESSAGES_PER_SECOND: '50' });
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;

    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done', 30_000);
    expect(connector.throttled).toBeGreaterThan(0);
    expect(cardsSent(connector.delivered)).toHaveLength(20);
    expect(cardsPerChat(connector.delivered).size).toBe(20);

  });
});
