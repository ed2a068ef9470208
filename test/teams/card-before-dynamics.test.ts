import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { allShowRecord, cardsPerChat } from '../support/connector-cards';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedSellers } from '../support/seed-installations';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

const SELLERS = 6;

describe('the lead card goes without waiting for Dynamics', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let t: TestApp;

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    // Dynamics answers in 1.5 s, well after the first card even on a busy machine; the fan-out,
    // at 2 cards a second, lasts 2.5 s and more.
    dv.faults.latencyMs = 1_500;
    const sellers = Array.from({ length: SELLERS }, (_, n) => `seller${n}@contoso.example`);
    t = await startTestApp(
      { ...dynamicsEnv(dv.url), LEAD_CONTACTS: sellers.join(';'), TEAMS_MESSAGES_PER_SECOND: '2' },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY },
    );
    await seedSellers(t.app.installations, connector.serviceUrl, SELLERS);
  });
  afterAll(async () => {
    await t.stop();
    await connector.stop();
    await dv.stop();
  });

  it('says where the lead stands as each card goes, and updates only the cards sent before Dynamics answered', async () => {
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done', 20_000);
    await waitFor(() => allShowRecord(connector.delivered, leadId), (done) => done);

    expect([...cardsPerChat(connector.delivered).values()]).toEqual(Array.from({ length: SELLERS }, () => 1));
    const sent = connector.delivered.filter((d) => d.method === 'POST');
    const pending = sent.filter((d) => JSON.stringify(d.activity.attachments).includes('being written now'));
    const written = sent.filter((d) => JSON.stringify(d.activity.attachments).includes('Open in Dynamics'));
    // The first card went before Dynamics answered, the last after: both kinds, and nothing else.
    expect(pending.length).toBeGreaterThan(0);
    expect(written.length).toBeGreaterThan(0);
    expect(pending.length + written.length).toBe(SELLERS);
    // Exactly the cards that went out saying "being written now" were updated, once each.
    const updated = connector.delivered.filter((d) => d.method === 'PUT').map((d) => d.activityId);
    expect(updated.sort()).toEqual(pending.map((d) => d.activityId).sort());
    // Each chat's delivery record says what its card shows now, updated or not: a later update knows whom to skip.
    await waitFor(() => t.app.deliveries.forLead(leadId), (records) => records.every((d) => d.shows === 'written'));
  });
});
