import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { allShowRecord } from '../support/connector-cards';
import { seedSellers } from '../support/seed-installations';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

// The sales team hears of a lead whatever Dynamics is doing: the cards go out through the Bot
// Connector while Dataverse answers 503, and every copy says "In Dynamics" once the record is there.
describe('lead cards while Dynamics is down', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let t: TestApp;

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    t = await startTestApp(
      { ...dynamicsEnv(dv.url), LEAD_CONTACTS: 'seller0@contoso.example;seller1@contoso.example;seller2@contoso.example' },
      // A lead whose alert reached only some comes back after failedPassMs: short here.
      { backgroundWork: true, workerOptions: { ...FAST_WORKER, failedPassMs: 1_500 }, dynamicsRetry: FAST_RETRY },
    );
    await seedSellers(t.app.installations, connector.serviceUrl, 3);
  });
  afterAll(async () => {
    await t.stop();
    await connector.stop();
    await dv.stop();
  });

  it('reaches every contact within seconds, then updates every copy to "In Dynamics" once the record is written', async () => {
    dv.faults.failNext(100_000, 503);
    const started = Date.now();
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;

    const cards = await waitFor(() => connector.delivered.filter((d) => d.method === 'POST'), (d) => d.length === 3);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const card of cards) {
      const json = JSON.stringify(card.activity.attachments);
      expect(json).toContain('Not in Dynamics yet — ');
      expect(json).not.toContain('Open in Dynamics');
      expect(json).toContain('"verb":"claimLead"');
    }
    expect(dv.leads.size).toBe(0);

    dv.faults.clear();
    const updates = await waitFor(() => connector.delivered.filter((d) => d.method === 'PUT'), (u) => u.length === 3, 20_000);
    expect(updates.map((u) => u.activityId).sort()).toEqual(cards.map((c) => c.activityId).sort());
    for (const update of updates) {
      const json = JSON.stringify(update.activity.attachments);
      expect(json).toContain('"text":"In Dynamics"');
      expect(json).toContain(`"url":"${dv.url}/main.aspx?pagetype=entityrecord&etn=lead&id=${leadId}"`);
    }
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    expect(dv.leads.size).toBe(1);
    // Once each: no second card, no second update.
    expect(connector.delivered.filter((d) => d.method === 'POST')).toHaveLength(3);
    expect(connector.delivered.filter((d) => d.method === 'PUT')).toHaveLength(3);
  });

  it('when an alert reached only some sellers before the lead was written, serves the rest and every card ends up saying it is in Dynamics', async () => {
    const before = connector.delivered.length;
    const sent = (): typeof connector.delivered => connector.delivered.slice(before);
    dv.faults.failNext(100_000, 503);
    // 412, which Teams asks to retry: the HTTP client underneath retries 5xx itself, for minutes.
    connector.gone.set('a:conversation-2', { status: 412, code: 'PreconditionFailed' });
    const leadId = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;

    const first = await waitFor(() => sent().filter((d) => d.method === 'POST'), (d) => d.length === 2);
    for (const card of first) expect(JSON.stringify(card.activity.attachments)).toContain('Not in Dynamics yet — ');
    // The third seller's chat kept failing through this pass's tries: the alert is not finished.
    await waitFor(() => t.app.deliveries.get(leadId, 'a:conversation-2'), (d) => d?.status === 'failed', 20_000);
    expect(await t.app.storage.leads.get(leadId)).toMatchObject({ alertedAs: 'pending', alertedAt: undefined });

    dv.faults.clear();
    connector.gone.delete('a:conversation-2');
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done', 20_000);
    await waitFor(() => allShowRecord(sent(), leadId), (done) => done);
    const posts = sent().filter((d) => d.method === 'POST');
    const puts = sent().filter((d) => d.method === 'PUT');
    expect(posts.map((p) => p.conversationId).sort()).toEqual(['a:conversation-0', 'a:conversation-1', 'a:conversation-2']);
    // The third card says where the lead stood when it went: in Dynamics, or not yet and updated since.
    const third = posts.find((p) => p.conversationId === 'a:conversation-2');
    const thirdWasPending = !JSON.stringify(third?.activity.attachments).includes('"text":"In Dynamics"');
    expect(puts.map((p) => p.activityId).sort()).toEqual([...first, ...(thirdWasPending && third !== undefined ? [third] : [])].map((c) => c.activityId).sort());
    for (const update of puts) expect(JSON.stringify(update.activity.attachments)).toContain('"text":"In Dynamics"');
    expect(dv.leads.has(leadId)).toBe(true);
  });
});
