import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import { launchChromium, loopbackPage } from '../../emulators/chromium';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { freePort } from '../../emulators/free-port';
import type { GraphEmulator } from '../../emulators/graph';
import { startGraph } from '../support/shared-services';
import { dynamicsEnv, sharedServices, startDataverse } from '../support/shared-services';
import { LOCAL_SENDER, MANAGED_IDENTITY, TENANT_ID } from '../../emulators/directory';
import { mailSettings } from '../../emulators/local-stack';
import { startManagedIdentityEndpoint } from '../../emulators/managed-identity-endpoint';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { allShowRecord } from '../support/connector-cards';
import { seedSellers } from '../support/seed-installations';
import { sendAsTeams } from '../../emulators/send-as-teams';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

const SENDER = LOCAL_SENDER;
const OUTSIDER = 'partner@fabrikam.example';

/** The Claim link in a mail's body. */
function claimLinkOf(html: string): string {
  const href = /<a href="([^"]+)"[^>]*>Claim this lead<\/a>/.exec(html.split('</head>')[1] ?? '')?.[1];
  if (href === undefined) throw new Error('no Claim link in the mail');
  return href.replace(/&#38;/g, '&');
}

// Contacts Teams cannot reach get the lead by mail through Microsoft Graph (the Graph emulator's
// sendMail, tokens checked for audience and Mail.Send); those Teams reaches get Teams only.
describe('lead alerts by Outlook mail', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let graph: GraphEmulator;
  let t: TestApp;
  let now = new Date();
  let mailEnv: Record<string, string> = {};

  const startApp = async (env: Record<string, string> = {}): Promise<TestApp> => {
    const port = await freePort();
    const app = await startTestApp(
      {
        ...dynamicsEnv(dv.url),
        LEAD_CONTACTS: `seller0@contoso.example;${OUTSIDER}`,
        ...mailEnv,
        PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
        ...env,
      },
      {
        backgroundWork: true,
        workerOptions: { ...FAST_WORKER, hideMs: 1_500, failedPassMs: 1_500 },
        dynamicsRetry: FAST_RETRY,
        graphRetry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 5_000 },
        now: () => now,
      },
      port,
    );
    await seedSellers(app.app.installations, connector.serviceUrl, 1);
    return app;
  };

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    graph = await startGraph();
    mailEnv = mailSettings(graph);
  });
  beforeEach(() => {
    now = new Date();
    graph.mails.length = 0;
    graph.requests.length = 0;
  });
  afterEach(async () => {
    await t.stop();
  });
  afterAll(async () => {
    await connector.stop();
    await dv.stop();
    await graph.stop();
  });

  it('mails a contact Teams cannot reach, once, with the card and a readable body; Teams only for one it reaches; 429 honoured', async () => {
    t = await startApp();
    graph.throttleNext(1, 1);
    const posted = Date.now();
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');

    expect(connector.delivered.filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(leadId)).map((d) => d.conversationId)).toEqual(['a:conversation-0']);
    expect(graph.mails.map((m) => [m.from, m.to])).toEqual([[SENDER, [OUTSIDER]]]);
    const [mail] = graph.mails;
    expect(mail?.contentType).toBe('HTML');
    expect(mail?.subject).toBe('New lead: Contact me — Contoso Sales Insights — Dana Whitfield');
    expect(mail?.content).toContain('<script type="application/adaptivecard+json">');
    expect(mail?.content).toContain('Fabrikam Ltd');
    // Throttled once with Retry-After: 1, then sent.
    expect(graph.requests.filter((r) => r.path.endsWith('/sendMail')).map((r) => r.status)).toEqual([429, 202]);
    const [throttled, accepted] = graph.requests.filter((r) => r.path.endsWith('/sendMail'));
    expect(accepted && throttled).toBeDefined();
    expect((mail?.at ?? 0) - posted).toBeGreaterThanOrEqual(1000);

    // The same lead sent again, and its alert run again: still one mail.
    await postLead(t.url, fixture('https-appsource-contact-me'));
    await t.app.storage.leads.update(leadId, { status: 'queued', alertedAt: '' });
    await t.app.storage.leadQueue.enqueue(leadId);
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done' && l.alertedAt !== undefined);
    expect(t.logs.join('').match(/"already":1,.*?lead mail delivered/g)).toHaveLength(1);
    expect(graph.mails).toHaveLength(1);
  });

  it('with OUTLOOK_DELIVERY=always, mails every contact as well as Teams; a mailbox Graph refuses is recorded, not retried', async () => {
    graph.refuseRecipient('seller0@contoso.example');
    t = await startApp({ OUTLOOK_DELIVERY: 'always' });
    const leadId = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    expect(graph.mails.map((m) => m.to)).toEqual([[OUTSIDER]]);
    expect(connector.delivered.filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(leadId))).toHaveLength(1);
    const refusedSends = graph.requests.filter((r) => r.path.endsWith('/sendMail') && r.status === 400);
    expect(refusedSends).toHaveLength(1);
    expect(t.logs.join('')).toContain('Graph refused a lead mail recipient');
  });

  it('a mail, which cannot be updated once sent, waits a moment for Dynamics and carries the record', async () => {
    t = await startApp();
    dv.faults.latencyMs = 400;
    try {
      const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
      await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
      // (The Teams card does not wait: test/teams/card-before-dynamics.test.ts.)
      expect(graph.mails.map((m) => m.to)).toEqual([[OUTSIDER]]);
      expect(graph.mails[0]?.content).toContain('Open in Dynamics');
      expect(graph.mails[0]?.content).toContain(`id=${leadId}`);
      expect(graph.mails[0]?.content).not.toContain('being written now');
    } finally {
      dv.faults.latencyMs = 0;
    }
  });

  it('retries mail the sender or the app could not send (not the recipient\'s fault), once it works', async () => {
    t = await startApp({ OUTLOOK_SENDER: 'nobody@contoso.example' });
    graph.setUser({ id: '3a9c1e7f-0000-4000-8000-00000000c009', userPrincipalName: 'other@contoso.example', lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' });
    const leadId = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => graph.requests.filter((r) => r.path.endsWith('/sendMail') && r.status === 404), (r) => r.length >= 1);
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => (l?.failedPasses ?? 0) >= 1, 10_000);
    expect(t.logs.join('')).toContain('the sender, the app or its permission needs a fix');
    // The sender's mailbox comes to exist: the next pass sends the mail, once.
    graph.setUser({ id: '3a9c1e7f-0000-4000-8000-00000000c010', userPrincipalName: 'nobody@contoso.example', lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' });
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.alertedAt !== undefined, 20_000);
    expect(graph.mails.map((m) => [m.from, m.to])).toEqual([['nobody@contoso.example', [OUTSIDER]]]);
  });

  it('claims from the mail: a GET (a link scanner) claims nothing, the page\'s button does, and every Teams copy shows it', async () => {
    t = await startApp();
    const leadId = (await postLead(t.url, fixture('https-do-not-contact'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    // The Teams card may have gone before Dynamics answered: its update comes first.
    await waitFor(() => allShowRecord(connector.delivered, leadId), (done) => done);
    const before = connector.delivered.length;
    const link = claimLinkOf(graph.mails.find((m) => m.content.includes(leadId))?.content ?? '');
    expect(link.startsWith(`${t.url}/claim?t=`)).toBe(true);

    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await shown.text();
    expect(page).toContain('<form method="post"><button type="submit">Claim this lead</button></form>');
    expect(page).toContain('Do not contact');
    expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBeUndefined();

    const claimed = await (await fetch(link, { method: 'POST' })).text();
    expect(claimed).toContain('It is yours');
    expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBe(OUTSIDER);
    const card = await waitFor(() => connector.delivered.slice(before).filter((d) => d.method === 'PUT' && JSON.stringify(d.activity).includes(leadId)), (u) => u.length === 1);
    expect(JSON.stringify(card[0]?.activity)).toContain(`"text":"${OUTSIDER}"`);
    expect(JSON.stringify(card[0]?.activity)).not.toContain('"verb":"claimLead"');

    // Opened again: who has it, and no button.
    const again = await (await fetch(link)).text();
    expect(again).toContain(`Claimed by ${OUTSIDER}`);
    expect(again).not.toContain('<form');
  });

  it('refuses a changed or expired Claim link with a plain page, and changes nothing', async () => {
    t = await startApp();
    const leadId = (await postLead(t.url, fixture('https-azure-portal-purchase'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    const link = claimLinkOf(graph.mails.find((m) => m.content.includes(leadId))?.content ?? '');
    const tampered = `${link.slice(0, -3)}${link.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    for (const method of ['GET', 'POST']) {
      const answer = await fetch(tampered, { method });
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('This Claim link is not valid');
    }
    now = new Date(now.getTime() + 31 * 24 * 3_600_000);
    const expired = await fetch(link, { method: 'POST' });
    expect(expired.status).toBe(410);
    expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBeUndefined();
  });

  it('the Claim page in a phone browser: shows the lead, claims on its button, refuses a changed link', async () => {
    t = await startApp();
    const leadId = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    const link = claimLinkOf(graph.mails.find((m) => m.content.includes(leadId))?.content ?? '');
    const browser = await launchChromium();
    try {
      const page = await loopbackPage(browser, { width: 390, height: 844 });
      await page.goto(link);
      expect(await page.locator('h1').textContent()).toBe('Get it now — Contoso Sales Insights');
      expect(await page.locator('body').textContent()).toContain('지민 김');
      expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBeUndefined();
      await page.getByRole('button', { name: 'Claim this lead' }).click();
      await page.waitForSelector('text=It is yours');
      expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBe(OUTSIDER);
      // The page fits the phone: nothing wider than its screen.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

      await page.goto(link.replace(/\.[\w-]+$/, '.AAAA'));
      expect(await page.locator('body').textContent()).toContain('This Claim link is not valid');
    } finally {
      await browser.close();
    }
    // A whole browser: on a loaded CI machine its start alone has taken most of the default 30 s.
  }, 60_000);

  it('sends as the bot\'s managed identity when GRAPH_* are empty: a token from App Service\'s identity endpoint, no secret anywhere', async () => {
    const { idpOrigin, tls } = sharedServices();
    const endpoint = await startManagedIdentityEndpoint({ idpOrigin, tenantId: TENANT_ID, identities: new Map([[MANAGED_IDENTITY.clientId, MANAGED_IDENTITY.secret]]), ca: tls.cert });
    Object.assign(process.env, endpoint.env);
    graph.grant(MANAGED_IDENTITY.clientId, ['Mail.Send']);
    try {
      t = await startApp({ GRAPH_TENANT_ID: '', GRAPH_CLIENT_ID: '', GRAPH_CLIENT_SECRET: '', BOT_TYPE: 'UserAssignedMsi', BOT_ID: MANAGED_IDENTITY.clientId, BOT_TENANT_ID: TENANT_ID, LEAD_CONTACTS: OUTSIDER });
      const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
      await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.alertedAt !== undefined);
      expect(graph.mails.map((m) => m.to)).toEqual([[OUTSIDER]]);
      expect(graph.requests.filter((r) => r.path.endsWith('/sendMail')).map((r) => r.appId)).toEqual([MANAGED_IDENTITY.clientId]);
      expect(endpoint.requests).toContainEqual({ clientId: MANAGED_IDENTITY.clientId, resource: graph.url, status: 200 });
    } finally {
      delete process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_HEADER;
      await endpoint.stop();
    }
  });

  it('status says who is reached by mail, and names a mailbox Graph refused with the reason', async () => {
    graph.refuseRecipient(OUTSIDER);
    t = await startApp({ LEAD_CONTACTS: `seller0@contoso.example;${OUTSIDER};buyer@woodgrove.example` });
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    expect(graph.mails.map((m) => m.to)).toEqual([['buyer@woodgrove.example']]);

    // seller0 types status in their chat, as Teams would send it.
    const asked = connector.delivered.length;
    const response = await sendAsTeams(t.url, connector.serviceUrl, { userId: '29:user-0', name: 'Seller 0', conversationId: 'a:conversation-0' }, { type: 'message', id: 'status-1', text: 'status' });
    expect(response.status).toBe(200);
    const [reply] = await waitFor(() => connector.delivered.slice(asked).filter((d) => d.method === 'POST'), (d) => d.length > 0);
    const card = JSON.stringify(reply?.activity);
    expect(card).toContain('"value":"1 of 3 on the contact list (LEAD_CONTACTS) in Teams; 1 by mail from leads@contoso.example"');
    expect(card).toContain(`"text":"${OUTSIDER}"`);
    expect(card).toContain('Graph refused mail to them: HTTP 400 ErrorInvalidRecipients');
    expect(card).not.toContain('"text":"buyer@woodgrove.example"');
  });
});
