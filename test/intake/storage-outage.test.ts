import { startAzurite, type Azurite } from '../../emulators/azurite';
import { fixture } from '../support/fixtures';
import { postLead, queuedLeadIds, startTestApp, type TestApp } from '../support/test-app';

describe('a storage outage', () => {
  let azurite: Azurite;
  let t: TestApp;

  beforeAll(async () => {
    // Its own Azurite: this test stops it.
    azurite = await startAzurite();
    t = await startTestApp({ STORAGE_CONNECTION_STRING: azurite.connectionString });
  });
  afterAll(async () => {
    await t.stop();
    await azurite.stop();
  });

  it('answers 503 with Retry-After while storage is down, then recovers with nothing lost', async () => {
    const before = await postLead(t.url, fixture('https-appsource-contact-me'));
    expect(before.status).toBe(202);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);

    await azurite.stop();
    const during = await postLead(t.url, fixture('https-korean-contact'));
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('30');
    expect(during.body).toEqual({ error: { code: 'LEAD_STORAGE_UNAVAILABLE', message: expect.stringContaining('send it again') } });
    // Our failure, not the sender's: an error in the log, with its cause.
    const refused = t.logs.map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown }).filter((e) => e.msg === 'lead not accepted');
    expect(refused).toEqual([expect.objectContaining({ level: 50, err: expect.objectContaining({ type: expect.any(String) }) })]);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);

    await azurite.start();
    const retried = await postLead(t.url, fixture('https-korean-contact'));
    expect(retried.status).toBe(202);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);

    // The lead acknowledged before the outage is still stored and queued, and so is the retried one.
    expect((await t.app.storage.leads.get(before.body.leadId as string))?.status).toBe('received');
    expect(await queuedLeadIds(t.queue)).toEqual([before.body.leadId, retried.body.leadId]);
  });
});
