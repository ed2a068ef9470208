import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import type { GraphEmulator } from '../../emulators/graph';
import { mailSettings } from '../../emulators/local-stack';
import { freePort } from '../../emulators/free-port';
import { fixture, fixtureFrom } from '../support/fixtures';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedAdmin, seedChannel, seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse, startGraph } from '../support/shared-services';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

const VM_CHANNEL = '19:vm-team@thread.tacv2';

/**
 * A publisher with two offers and a regional split: Korean leads to one seller, Contact me on
 * Sales Insights to two others, the hardened VM to a third and its team's channel (plus a
 * seller with no chat, reached by mail), the rest to LEAD_CONTACTS.
 */
const ROUTES = {
  routes: [
    { name: 'korea', countries: ['KR'], contacts: ['seller3@contoso.example'] },
    { name: 'insights', offers: ['contoso.contoso-sales-insights'], actions: ['contact-me'], contacts: ['seller0@contoso.example', 'seller1@contoso.example'] },
    { name: 'vm', offers: ['contoso.contoso-vm*'], contacts: ['seller2@contoso.example', 'vm-lead@contoso.example'], chats: [VM_CHANNEL] },
  ],
};

describe('routing leads to the right people', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let graph: GraphEmulator;
  let t: TestApp | undefined;
  /** Where this test's deliveries start in the connector's record: a fixture is the same lead in every test. */
  let from = 0;
  const dir = mkdtempSync(join(tmpdir(), 'routes-'));
  const routesFile = join(dir, 'routes.json');
  writeFileSync(routesFile, JSON.stringify(ROUTES));

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    graph = await startGraph();
  });
  afterEach(async () => {
    await t?.stop();
    graph.mails.length = 0;
  });
  afterAll(async () => {
    await connector.stop();
    await dv.stop();
    await graph.stop();
  });

  const start = async (env: Record<string, string>): Promise<TestApp> => {
    const port = await freePort();
    const app = await startTestApp(
      { ...dynamicsEnv(dv.url), ...mailSettings(graph), PUBLIC_URL: `http://127.0.0.1:${String(port)}`, TEAMS_TENANT_ID: TENANT_ID, ...env },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, graphRetry: FAST_RETRY },
      port,
    );
    await seedSellers(app.app.installations, connector.serviceUrl, 6);
    await seedChannel(app.app.installations, connector.serviceUrl, VM_CHANNEL);
    from = connector.delivered.length;
    return app;
  };
  /** Posts a lead and waits until it is done; where its card went in Teams, and who was mailed it. */
  const deliver = async (app: TestApp, payload: unknown): Promise<{ leadId: string; chats: string[]; mailed: string[] }> => {
    const leadId = (await postLead(app.url, payload)).body.leadId as string;
    await waitFor(() => app.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    const chats = connector.delivered.slice(from).filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(leadId)).map((d) => d.conversationId);
    const mailed = graph.mails.filter((m) => m.content.includes(leadId)).flatMap((m) => m.to);
    return { leadId, chats: chats.sort(), mailed: mailed.sort() };
  };

  it("sends each offer's leads to its own people, by country and by action, and the rest to LEAD_CONTACTS", async () => {
    t = await start({ LEAD_ROUTES_FILE: routesFile, LEAD_CONTACTS: 'seller5@contoso.example' });
    // Contact me on Sales Insights (GB): the insights route.
    expect(await deliver(t, fixture('https-appsource-contact-me'))).toMatchObject({ chats: ['a:conversation-0', 'a:conversation-1'], mailed: [] });
    // The hardened VM bought in the Azure portal: its seller, its channel, and by mail the one with no chat.
    expect(await deliver(t, fixture('https-azure-portal-purchase'))).toMatchObject({ chats: [VM_CHANNEL, 'a:conversation-2'], mailed: ['vm-lead@contoso.example'] });
    // A Korean customer, whatever the offer and action: the korea route, first in the file.
    expect(await deliver(t, fixture('https-korean-contact'))).toMatchObject({ chats: ['a:conversation-3'], mailed: [] });
    // Get it now on Sales Insights from the UK is not Contact me: no route takes it, LEAD_CONTACTS does.
    const purchase = { ...fixture('https-appsource-contact-me'), LeadSource: 'AppSource-INS|contoso.contoso-sales-insights', ActionCode: 'INS' };
    const fallback = await deliver(t, purchase);
    expect(fallback).toMatchObject({ chats: ['a:conversation-5'], mailed: [] });
    // Where each went is kept with the lead.
    expect((await t.app.storage.leads.get(fallback.leadId))?.routing).toEqual({ kind: 'contacts', contacts: ['seller5@contoso.example'] });
    // Nobody outside a lead's route saw it: seller 4 is on no route and got nothing at all.
    expect(connector.delivered.slice(from).filter((d) => d.conversationId === 'a:conversation-4')).toEqual([]);
  });

  it('keeps today\'s behaviour without a routes file: every lead to LEAD_CONTACTS', async () => {
    t = await start({ LEAD_CONTACTS: 'seller0@contoso.example;seller4@contoso.example' });
    expect(await deliver(t, fixture('https-korean-contact'))).toMatchObject({ chats: ['a:conversation-0', 'a:conversation-4'] });
    expect(await deliver(t, fixture('https-azure-portal-purchase'))).toMatchObject({ chats: ['a:conversation-0', 'a:conversation-4'] });
  });

  it('sends a lead no route takes, with no LEAD_CONTACTS, to the admins, saying so on the card', async () => {
    t = await start({ LEAD_ROUTES_FILE: routesFile, ADMINS: 'admin@contoso.example' });
    const admin = await seedAdmin(t.app.installations, connector.serviceUrl, { email: 'admin@contoso.example', tenantId: TENANT_ID });
    const { leadId, chats } = await deliver(t, fixture('https-docs-sample'));
    expect(chats).toEqual([admin]);
    const card = JSON.stringify(connector.delivered.find((d) => d.conversationId === admin)?.activity);
    expect(card).toContain('No route for this lead');
    expect(card).toContain('claimLead');
    expect((await t.app.storage.leads.get(leadId))?.routing).toEqual({ kind: 'no-route' });
  });

  it("sends a lead from the publisher's own domain (OWN_DOMAINS, a subdomain too) to the admins only, written to Dynamics all the same", async () => {
    t = await start({ LEAD_ROUTES_FILE: routesFile, LEAD_CONTACTS: 'seller4@contoso.example', ADMINS: 'admin@contoso.example', OWN_DOMAINS: 'Fabrikam.example; contoso.example' });
    const admin = await seedAdmin(t.app.installations, connector.serviceUrl, { email: 'admin@contoso.example', tenantId: TENANT_ID });
    // Korean, so the korea route would take it: its domain comes first.
    const { leadId, chats, mailed } = await deliver(t, fixtureFrom('https-korean-contact', 'tester@sales.fabrikam.example'));
    expect(chats).toEqual([admin]);
    expect(mailed).toEqual([]);
    const card = JSON.stringify(connector.delivered.find((d) => d.conversationId === admin && JSON.stringify(d.activity).includes(leadId))?.activity);
    expect(card).toContain('From your own domain (fabrikam.example), so only the admins have it');
    expect((await t.app.storage.leads.get(leadId))?.routing).toEqual({ kind: 'own-domain', domain: 'fabrikam.example' });
    expect(dv.leads.has(leadId)).toBe(true);
    // Another domain that merely ends the same way is a customer's.
    expect(await deliver(t, fixtureFrom('https-korean-contact', 'buyer@notfabrikam.example'))).toMatchObject({ chats: ['a:conversation-3'] });
  });
});
