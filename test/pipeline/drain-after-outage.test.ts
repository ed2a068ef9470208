import { randomUUID } from 'node:crypto';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixture, fixtureFrom } from '../support/fixtures';
import { startDataverse } from '../support/shared-services';
import { startPipelineApp, waitFor, type PipelineApp } from '../support/pipeline';
import { postLead } from '../support/test-app';

// Leads that wait for Dynamics through an outage come back when it works again, not each when
// its own backoff is due (here a minute and more, as in production after a few tries).
describe('the leads waiting through a Dynamics outage', () => {
  let dv: DataverseEmulator;
  let t: PipelineApp;

  beforeAll(async () => {
    dv = await startDataverse();
    t = await startPipelineApp(dv, { workerOptions: { retryBaseMs: 60_000, retryMaxMs: 15 * 60_000 } });
  });
  afterAll(async () => {
    await t.stop();
    await dv.stop();
  });

  it('are written within seconds of the first write that works, each once', async () => {
    dv.faults.failNext(1_000_000, 503);
    const waiting: string[] = [];
    for (let i = 0; i < 5; i++) waiting.push((await postLead(t.url, fixtureFrom('https-appsource-contact-me', `buyer${String(i)}@fabrikam.example`))).body.leadId as string);
    for (const id of waiting) await waitFor(() => t.app.storage.leads.get(id), (l) => l?.status === 'waiting' && l.attempts >= 1);
    // Alerted all the same, while Dynamics was down.
    expect(new Set(t.notified.map((n) => n.lead.id))).toEqual(new Set(waiting));

    dv.faults.clear();
    const recovered = Date.now();
    // The next lead is written at once; the five waiting would each come back a minute later or more.
    const next = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    for (const id of [next, ...waiting]) await waitFor(() => t.app.storage.leads.get(id), (l) => l?.status === 'done', 10_000);
    expect(Date.now() - recovered).toBeLessThan(10_000);
    expect([...dv.leads.keys()].sort()).toEqual([next, ...waiting].sort());
    // Each written once: one create per lead, whatever the extra queue messages.
    const creates = dv.requests.filter((r) => r.status === 204 || r.status === 201);
    expect(creates).toHaveLength(6);
  });

  it('never hold back a new lead: it is taken before them, and alerted at once', async () => {
    // A slow Dynamics that takes one request at a time: 200 waiting leads need a minute.
    dv.faults.latencyMs = 300;
    dv.faults.dopHint = 1;
    const at = new Date().toISOString();
    const backlog = parseHttpsLead(fixture('https-azure-portal-purchase'));
    for (let i = 0; i < 200; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const id = randomUUID();
          await t.app.storage.leads.create({ ...backlog, id, origin: 'https', receivedAt: at });
          await t.app.storage.leads.update(id, { status: 'waiting', attempts: 3, lastErrorCode: 'DYNAMICS_UNAVAILABLE', alertedAs: 'pending', alertedAt: at });
          await t.app.storage.waitingQueue.enqueue(id);
        }),
      );
    }
    await waitFor(() => dv.leads.size, (n) => n > 8);
    const posted = Date.now();
    const fresh = (await postLead(t.url, fixtureFrom('https-appsource-contact-me', 'new.buyer@fabrikam.example'))).body.leadId as string;
    await waitFor(() => t.notified.some((n) => n.lead.id === fresh), (alerted) => alerted, 5_000);
    expect(Date.now() - posted).toBeLessThan(2_000);
    // The backlog is still being written: the new lead did not wait for it.
    expect(dv.leads.size).toBeLessThan(100);
  }, 30_000);
});
