import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { freePort } from '../../emulators/free-port';
import type { GraphEmulator, GraphUser } from '../../emulators/graph';
import { startGraph } from '../support/shared-services';
import { APP, TENANT_ID } from '../../emulators/directory';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { sendAsTeams } from '../../emulators/send-as-teams';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

const CATALOG_APP = '1542629c-01b3-4a6d-8f76-1938b779e48d';
const MEMBER: GraphUser = { id: '8a1b2c3d-0000-4000-8000-00000000d001', userPrincipalName: 'jimin@contoso.example', lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' };
const GUEST: GraphUser = {
  id: '8a1b2c3d-0000-4000-8000-00000000d002',
  userPrincipalName: 'guest_fabrikam.example#EXT#@contoso.example',
  mail: 'guest@fabrikam.example',
  userType: 'Guest',
  lastPasswordChangeDateTime: '2026-11-01T00:00:00Z',
};
const SENDER = 'leads@contoso.example';

// Contacts who never opened the app: the bot installs itself for them through Graph (the Graph
// emulator's teamwork/installedApps), Teams then reports the installation to the bot (as Teams
// does, here through the Bot Connector emulator) and the card goes to the new chat. Guests, and
// anyone it cannot be installed for, get mail.
describe('installing the app for the contact list', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let graph: GraphEmulator;
  let t: TestApp;

  /** What Teams does once the app is installed for someone: the bot hears of the new chat. */
  const teamsInstalls = async (user: GraphUser, activity: 'installationUpdate' | 'conversationUpdate' = 'installationUpdate'): Promise<void> => {
    const userId = `29:${user.id}`;
    const address = user.mail ?? user.userPrincipalName;
    connector.members.set(userId, { name: address, aadObjectId: user.id, email: address, userPrincipalName: user.userPrincipalName });
    const sender = { userId, aadObjectId: user.id, conversationId: `a:${user.id}` };
    const body = activity === 'installationUpdate' ? { type: 'installationUpdate', action: 'add' } : { type: 'conversationUpdate', membersAdded: [{ id: '28:bot' }] };
    const response = await sendAsTeams(t.url, connector.serviceUrl, sender, { id: `${activity}-${user.id}`, ...body });
    expect(response.status).toBeLessThan(300);
  };
  const cardsIn = (conversationId: string): string[] =>
    connector.delivered.filter((d) => d.conversationId === conversationId && d.method === 'POST' && JSON.stringify(d.activity).includes('adaptive')).map((d) => JSON.stringify(d.activity));

  const start = async (env: Record<string, string>): Promise<void> => {
    const port = await freePort();
    t = await startTestApp(
      { ...dynamicsEnv(dv.url), GRAPH_URL: graph.url, GRAPH_TENANT_ID: TENANT_ID, GRAPH_CLIENT_ID: APP.clientId, GRAPH_CLIENT_SECRET: APP.secret, PUBLIC_URL: `http://127.0.0.1:${String(port)}`, ...env },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, graphRetry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 2_000 }, installWaitMs: 5_000 },
      port,
    );
  };

  beforeEach(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    graph = await startGraph();
    for (const user of [MEMBER, GUEST, { id: '3a9c1e7f-0000-4000-8000-00000000c001', userPrincipalName: SENDER, lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' }]) graph.setUser(user);
    graph.addCatalogApp(CATALOG_APP);
    graph.grant(APP.clientId, ['Mail.Send', 'User.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All']);
    graph.onInstall = (user) => void teamsInstalls(user);
  });
  afterEach(async () => {
    await t.stop();
    await connector.stop();
    await dv.stop();
    await graph.stop();
  });

  it('installs the app for a member with no chat and sends the card there once; a guest gets mail, not an install', async () => {
    await start({ TEAMS_APP_CATALOG_ID: CATALOG_APP, OUTLOOK_SENDER: SENDER, LEAD_CONTACTS: `${MEMBER.userPrincipalName};${GUEST.mail ?? ''}` });
    const started = Date.now();
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    const [card] = await waitFor(() => cardsIn(`a:${MEMBER.id}`), (c) => c.length === 1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(card).toContain(leadId);
    expect(graph.installedApps).toEqual([{ id: expect.any(String), userId: MEMBER.id, teamsAppId: CATALOG_APP }]);
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    expect(graph.mails.map((m) => m.to)).toEqual([[GUEST.mail]]);

    // The next lead finds the chat: no second install, one card.
    const next = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(next), (l) => l?.status === 'done');
    expect(graph.installedApps).toHaveLength(1);
    expect(cardsIn(`a:${MEMBER.id}`).filter((c) => c.includes(next))).toHaveLength(1);
    expect(cardsIn(`a:${MEMBER.id}`)).toHaveLength(2);
    expect(graph.requests.filter((r) => r.path.includes('installedApps')).length).toBe(1);
  });

  it('mails a member the app cannot be installed for, and says why in the log', async () => {
    graph.grant(APP.clientId, ['Mail.Send', 'User.Read.All']);
    await start({ TEAMS_APP_CATALOG_ID: CATALOG_APP, OUTLOOK_SENDER: SENDER, LEAD_CONTACTS: MEMBER.userPrincipalName });
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    expect(graph.mails.map((m) => m.to)).toEqual([[MEMBER.userPrincipalName]]);
    expect(graph.installedApps).toEqual([]);
    expect(t.logs.join('')).toContain('Graph refused to install the app (HTTP 403 Authorization_RequestDenied)');
  });

  it('catches a late installer up in one message, and shows each lead in full on demand', async () => {
    await start({ LEAD_CONTACTS: MEMBER.userPrincipalName });
    const ids: string[] = [];
    for (const name of ['https-appsource-contact-me', 'https-korean-contact', 'https-azure-portal-purchase']) {
      ids.push((await postLead(t.url, fixture(name))).body.leadId as string);
    }
    for (const id of ids) await waitFor(() => t.app.storage.leads.get(id), (l) => l?.status === 'done');
    await t.app.storage.leads.claim(ids[2] ?? '', { name: 'Ana Silva' }, new Date());

    await teamsInstalls(MEMBER);
    await teamsInstalls(MEMBER, 'conversationUpdate'); // Teams reports a personal install twice
    // Both reports have had their catch-up run to the end (one sent it, the other found it claimed):
    // only then is one message proof that the second report sends none.
    await waitFor(() => t.logs.filter((l) => l.includes('new installation handled (catch-up done)')), (done) => done.length >= 2);
    expect(cardsIn(`a:${MEMBER.id}`)).toHaveLength(1);
    const [list] = cardsIn(`a:${MEMBER.id}`);
    expect(list).toContain('2 leads arrived before you had the app');
    expect(list).not.toContain(ids[2]);

    const message = connector.delivered.find((d) => d.conversationId === `a:${MEMBER.id}` && JSON.stringify(d.activity).includes('leads arrived before'));
    const show = await sendAsTeams(t.url, connector.serviceUrl, { userId: `29:${MEMBER.id}`, aadObjectId: MEMBER.id, name: 'Jimin', conversationId: `a:${MEMBER.id}` }, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: 'show-1',
      replyToId: message?.activityId,
      value: { action: { type: 'Action.Execute', verb: 'showLead', data: { leadId: ids[0], leadIds: `${ids[1] ?? ''},${ids[0] ?? ''}` } }, trigger: 'manual' },
    });
    expect(show.status).toBe(200);
    expect(JSON.stringify(await show.json())).toContain('Shown below');
    const shown = await waitFor(() => cardsIn(`a:${MEMBER.id}`).filter((c) => c.includes('"verb":"claimLead"')), (c) => c.length === 1);
    expect(shown[0]).toContain(ids[0]);
    expect((await t.app.deliveries.get(ids[0] ?? '', `a:${MEMBER.id}`))?.status).toBe('sent');
  });

  it('catches a late installer up only on the leads routed to them', async () => {
    const routes = join(mkdtempSync(join(tmpdir(), 'routes-')), 'routes.json');
    writeFileSync(routes, JSON.stringify({ routes: [{ name: 'korea', countries: ['KR'], contacts: [MEMBER.userPrincipalName] }] }));
    await start({ LEAD_ROUTES_FILE: routes, LEAD_CONTACTS: 'sales@contoso.example' });
    const ids: string[] = [];
    for (const name of ['https-appsource-contact-me', 'https-korean-contact']) ids.push((await postLead(t.url, fixture(name))).body.leadId as string);
    for (const id of ids) await waitFor(() => t.app.storage.leads.get(id), (l) => l?.status === 'done');

    await teamsInstalls(MEMBER);
    await waitFor(() => t.logs.filter((l) => l.includes('new installation handled (catch-up done)')), (done) => done.length >= 1);
    // One lead missed, so its card itself; the UK lead went to LEAD_CONTACTS, never to this person.
    const cards = cardsIn(`a:${MEMBER.id}`);
    expect(cards).toHaveLength(1);
    expect(cards[0]).toContain(ids[1]);
    expect(cards.join('')).not.toContain(ids[0]);
  });

  it('status names why the app could not be installed for a contact', async () => {
    graph.grant(APP.clientId, ['User.Read.All']);
    await start({ TEAMS_APP_CATALOG_ID: CATALOG_APP, LEAD_CONTACTS: `seller@contoso.example;${MEMBER.userPrincipalName}` });
    // The seller has a chat with the bot (opened it themselves).
    await teamsInstalls({ id: '8a1b2c3d-0000-4000-8000-00000000d003', userPrincipalName: 'seller@contoso.example', lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' });
    await waitFor(() => t.app.installations.list(), (all) => all.length === 1);
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    const asked = connector.delivered.length;
    await sendAsTeams(t.url, connector.serviceUrl, { userId: '29:8a1b2c3d-0000-4000-8000-00000000d003', conversationId: 'a:8a1b2c3d-0000-4000-8000-00000000d003' }, { type: 'message', id: 'status-1', text: 'status' });
    const [reply] = await waitFor(() => connector.delivered.slice(asked).filter((d) => JSON.stringify(d.activity).includes('Contacts reached')), (d) => d.length > 0);
    expect(JSON.stringify(reply?.activity)).toContain('has no chat with the bot in Teams (the app could not be installed for them: Graph refused to install the app (HTTP 403 Authorization_RequestDenied)), and mail is off');
  });

  it('writes at once to a contact who had the app already, in the chat Graph names for it', async () => {
    graph.markInstalled(MEMBER.id, CATALOG_APP);
    await start({ TEAMS_APP_CATALOG_ID: CATALOG_APP, LEAD_CONTACTS: `seller@contoso.example;${MEMBER.userPrincipalName}` });
    // Another seller's chat tells the bot which service URL Teams uses for this organisation.
    await teamsInstalls({ id: '8a1b2c3d-0000-4000-8000-00000000d003', userPrincipalName: 'seller@contoso.example', lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' });
    await waitFor(() => t.app.installations.list(), (all) => all.length === 1);
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    const chat = `19:${MEMBER.id}_${CATALOG_APP}@unq.gbl.spaces`;
    const [card] = await waitFor(() => cardsIn(chat), (c) => c.length === 1);
    expect(card).toContain(leadId);
    expect(graph.installedApps).toHaveLength(1); // no second install: it was there
    // The chat is kept: the next lead goes straight there.
    expect((await t.app.installations.get(chat))?.email).toBe(MEMBER.userPrincipalName);
    const next = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => cardsIn(chat), (c) => c.some((x) => x.includes(next)));
  });
});
