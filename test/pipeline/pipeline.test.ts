import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture, httpsFixtureNames } from '../support/fixtures';
import { launchIdentityProvider } from '../../emulators/identity-provider-process';
import { defaultDirectory } from '../../emulators/directory';
import { sharedServices, startDataverse } from '../support/shared-services';
import { startPipelineApp, waitFor, type PipelineApp } from '../support/pipeline';
import { postLead } from '../support/test-app';

describe('the pipeline: intake → Dynamics → notification', () => {
  let dv: DataverseEmulator;
  let t: PipelineApp | undefined;

  beforeEach(async () => {
    dv = await startDataverse();
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    await dv.stop();
  });

  const leadStatus = async (id: string) => (await t?.app.storage.leads.get(id))?.status;
  const posts = () => dv.requests.filter((r) => r.method === 'POST');

  it.each(['aad', 'o365'] as const)('writes every fixture into Dynamics once, signing in with the %s option', async (auth) => {
    t = await startPipelineApp(dv, { auth });
    const ids: string[] = [];
    for (const name of httpsFixtureNames()) ids.push((await postLead(t.url, fixture(name))).body.leadId as string);
    await postLead(t.url, fixture('https-appsource-contact-me')); // re-sent: still one record

    await waitFor(() => t?.notified.length ?? 0, (n) => n === ids.length);
    expect(dv.leads.size).toBe(ids.length);
    for (const id of ids) {
      expect(dv.leads.get(id)).toMatchObject({ leadid: id, leadsourcecode: 8 });
      expect(await t.app.storage.leads.get(id)).toMatchObject({ status: 'done', dynamicsId: id, attempts: 0 });
    }
    const contactMe = t.notified.find((n) => n.lead.customer.lastName === 'Whitfield');
    // The alert went without waiting for Dynamics; whatever its card said, the card ends up showing the record.
    const shown = await waitFor(
      () => [contactMe?.dynamics, ...(t?.refreshed ?? []).filter((r) => r.lead.id === contactMe?.lead.id).map((r) => r.dynamics)].at(-1),
      (standing) => standing?.state === 'written',
    );
    expect(shown).toEqual({ state: 'written', url: `${dv.url}/main.aspx?pagetype=entityrecord&etn=lead&id=${contactMe?.lead.id ?? ''}` });
    expect(t.refreshed.filter((r) => r.lead.id === contactMe?.lead.id).length).toBeLessThanOrEqual(1);
    expect(dv.leads.get(contactMe?.lead.id ?? '')).toMatchObject({ subject: 'Contact me — Contoso Sales Insights', companyname: 'Fabrikam Ltd' });
  });

  it('waits as long as a 429 Retry-After asks, then writes the lead', async () => {
    dv.faults.throttle = { maxRequests: 1, windowMs: 1000, retryAfterSeconds: 1 };
    t = await startPipelineApp(dv);
    const ids = [
      (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string,
      (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string,
    ];

    for (const id of ids) await waitFor(() => leadStatus(id), (s) => s === 'done');
    // One lead got through, the other was throttled and sent again only after Retry-After.
    const [throttled, ...others] = [...posts()].sort((a, b) => (a.status === 429 ? -1 : b.status === 429 ? 1 : 0));
    expect(throttled?.status).toBe(429);
    expect(others.map((r) => r.status)).toEqual([204, 204]);
    const retry = others.reduce((latest, r) => (r.at > latest.at ? r : latest));
    expect(retry.at - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(dv.leads.size).toBe(2);
  });

  it('retries 5xx answers with backoff', async () => {
    dv.faults.failNext(2, 503);
    t = await startPipelineApp(dv);
    const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => leadStatus(id), (s) => s === 'done');
    expect(posts().map((r) => r.status)).toEqual([503, 503, 204]);
  });

  it('retries a request that timed out before Dynamics committed it', async () => {
    dv.faults.stallNext(1, 2500);
    t = await startPipelineApp(dv, { env: { DYNAMICS_TIMEOUT_SECONDS: '1' } });
    const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => leadStatus(id), (s) => s === 'done');
    expect(dv.leads.size).toBe(1);
  });

  it('writes once when a request timed out after Dynamics committed it', async () => {
    dv.faults.stallNext(1, 2500, { afterCommit: true });
    t = await startPipelineApp(dv, { env: { DYNAMICS_TIMEOUT_SECONDS: '1' } });
    const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => leadStatus(id), (s) => s === 'done');
    expect(dv.leads.size).toBe(1);
    // The retry met the existing record (412 0x80040237) and took it as written.
    expect(posts().map((r) => r.status)).toContain(412);
    expect((await t.app.storage.leads.get(id))?.dynamicsId).toBe(id);
  });

  it('gets a fresh token when the one it holds expires mid-run', async () => {
    const idp = await launchIdentityProvider(sharedServices().tls, defaultDirectory({ tokenLifetimeSeconds: 2 }));
    const shortLived = await startDataverse(idp.origin);
    try {
      t = await startPipelineApp(shortLived, { idpOrigin: idp.origin });
      const first = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
      await waitFor(() => leadStatus(first), (s) => s === 'done');
      // Kept on purpose: the token's lifetime (2 s, whole-second exp) has to pass for real, as
      // Dataverse checks it against its own clock; no signal says "expired" short of the 401
      // this test is about. Nothing is waited for not to happen.
      await new Promise((r) => setTimeout(r, 2500));
      const second = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
      await waitFor(() => leadStatus(second), (s) => s === 'done');
      expect(shortLived.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([204, 401, 204]);
    } finally {
      await t?.stop();
      t = undefined;
      await shortLived.stop();
      await idp.stop();
    }
  });

  it('keeps leads waiting while the role is missing, still alerts new ones, says how to fix it, and resumes by itself', async () => {
    dv.faults.refuseRole = true;
    t = await startPipelineApp(dv);
    const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;

    await waitFor(() => t?.app.storage.leads.get(id), (l) => l?.lastErrorCode === 'DYNAMICS_ROLE_MISSING');
    await waitFor(() => dv.requests.length, (n) => n >= 4); // probed several times: never dead-lettered
    expect(await t.app.storage.leads.get(id)).toMatchObject({ status: 'waiting', attempts: 0 });
    expect(t.app.worker.blocked?.error).toMatchObject({ code: 'DYNAMICS_ROLE_MISSING', fix: expect.stringContaining('Manage roles') });
    expect(await t.app.deadLetters.list()).toEqual([]);
    // A lead arriving while writes are blocked is alerted at once, saying why it is not in Dynamics.
    const started = Date.now();
    const later = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    const alert = (await waitFor(() => t?.notified ?? [], (n) => n.some((x) => x.lead.id === later))).find((x) => x.lead.id === later);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(alert?.dynamics).toEqual({ state: 'pending', reason: 'configuration' });

    dv.faults.refuseRole = false;
    await waitFor(() => leadStatus(id), (s) => s === 'done');
    await waitFor(() => leadStatus(later), (s) => s === 'done');
    expect(t.refreshed.map((r) => [r.lead.id, r.dynamics.state]).sort()).toEqual([[id, 'written'], [later, 'written']].sort());
    expect(t.app.worker.blocked).toBeUndefined();
    expect(t.logs.join('')).toContain('Dynamics works again');
  });

  it('keeps leads waiting when the client secret is wrong', async () => {
    t = await startPipelineApp(dv, { env: { DYNAMICS_CLIENT_SECRET: 'CANARY-not-the-secret' } });
    const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t?.app.storage.leads.get(id), (l) => l?.lastErrorCode === 'DYNAMICS_SECRET_INVALID');
    expect(t.app.worker.blocked?.error.fix).toMatch(/DYNAMICS_CLIENT_SECRET/);
    expect(t.logs.join('')).not.toContain('CANARY');
    expect(dv.leads.size).toBe(0);
  });

  it('says DYNAMICS_URL is wrong when it points at something that is not Dataverse', async () => {
    const { tls } = sharedServices();
    const website = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not found</h1>');
    });
    await new Promise<void>((r) => website.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(website.address() as AddressInfo).port}`;
    try {
      t = await startPipelineApp({ ...dv, url });
      const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
      const lead = await waitFor(() => t?.app.storage.leads.get(id), (l) => l?.lastErrorCode !== undefined);
      expect(lead?.lastErrorCode).toBe('DYNAMICS_URL_WRONG');
      expect(t.app.worker.blocked?.error.fix).toMatch(/Environment URL/);
    } finally {
      await t?.stop();
      t = undefined;
      website.close();
    }
  });

  it('alerts at once while Dynamics is down, keeps trying past the old attempt budget, writes once and updates the card', async () => {
    dv.faults.failNext(100_000, 503);
    t = await startPipelineApp(dv);
    const started = Date.now();
    const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;

    const [alert] = await waitFor(() => t?.notified ?? [], (n) => n.length === 1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(alert?.dynamics.state).toBe('pending');
    // Ten failed tries used to dead-letter a lead: now only its age does.
    await waitFor(() => t?.app.storage.leads.get(id), (l) => (l?.attempts ?? 0) >= 12, 30_000);
    expect(await t.app.storage.leads.get(id)).toMatchObject({ status: 'waiting', lastErrorCode: 'DYNAMICS_UNAVAILABLE', alertedAs: 'pending' });
    expect(await t.app.deadLetters.list()).toEqual([]);

    dv.faults.clear();
    await waitFor(() => leadStatus(id), (s) => s === 'done');
    expect(dv.leads.size).toBe(1);
    expect(t.notified).toHaveLength(1);
    expect(t.refreshed.map((r) => r.dynamics)).toEqual([{ state: 'written', url: expect.stringContaining(id) }]);
    expect(await t.app.storage.leads.get(id)).toMatchObject({ alertedAs: 'written' });
  });

  it('never holds a lead\'s alert behind another lead\'s slow write', async () => {
    dv.faults.stallNext(1, 6000);
    t = await startPipelineApp(dv, { env: { DYNAMICS_TIMEOUT_SECONDS: '10' } });
    const slow = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t?.notified ?? [], (n) => n.some((x) => x.lead.id === slow));
    const posted = Date.now();
    const next = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => t?.notified ?? [], (n) => n.some((x) => x.lead.id === next));
    // The first write is still stalled: the second lead's card did not wait for it.
    expect(Date.now() - posted).toBeLessThan(3_000);
    expect(await leadStatus(slow)).not.toBe('done');
    await waitFor(() => leadStatus(slow), (s) => s === 'done', 20_000);
  });

  it('dead-letters a lead only once it has failed for LEAD_RETRY_HOURS, says so on its cards, and writes it once re-driven', async () => {
    let hoursLater = 0;
    const now = (): Date => new Date(Date.now() + hoursLater * 3_600_000);
    dv.faults.failNext(100_000, 500);
    t = await startPipelineApp(dv, { env: { LEAD_RETRY_HOURS: '72' }, now });
    const id = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t?.app.storage.leads.get(id), (l) => (l?.attempts ?? 0) >= 2);
    hoursLater = 71;
    await waitFor(() => t?.app.storage.leads.get(id), (l) => (l?.attempts ?? 0) >= 4);
    expect(await leadStatus(id)).toBe('waiting');

    hoursLater = 73;
    await waitFor(() => leadStatus(id), (s) => s === 'dead-lettered');
    expect(await t.app.deadLetters.list()).toEqual([
      { leadId: id, code: 'DYNAMICS_UNAVAILABLE', reason: expect.stringContaining('HTTP 500'), fix: expect.any(String), at: expect.any(String) },
    ]);
    await waitFor(() => t?.refreshed.length ?? 0, (n) => n === 1);
    expect(t.refreshed[0]?.dynamics).toEqual({ state: 'failed', reason: 'gaveUp' });

    dv.faults.clear();
    expect(await t.app.deadLetters.redrive()).toEqual([id]);
    await waitFor(() => leadStatus(id), (s) => s === 'done');
    expect(await t.app.deadLetters.list()).toEqual([]);
    expect(dv.leads.size).toBe(1);
    expect(t.notified).toHaveLength(1);
    expect(t.refreshed.map((r) => r.dynamics.state)).toEqual(['failed', 'written']);
  });

  it('dead-letters at once a lead Dynamics rejects, keeping Dynamics\' own message', async () => {
    dv.faults.extraRequiredColumns = ['companyname'];
    t = await startPipelineApp(dv);
    const blank = (await postLead(t.url, fixture('https-blank-fields'))).body.leadId as string;
    const fine = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;

    await waitFor(() => leadStatus(blank), (s) => s === 'dead-lettered');
    await waitFor(() => leadStatus(fine), (s) => s === 'done');
    const [letter] = await t.app.deadLetters.list();
    expect(letter).toMatchObject({ leadId: blank, code: 'DYNAMICS_LEAD_REJECTED', reason: expect.stringContaining("'companyname' on the 'lead' entity must have a value") });
    expect(posts().filter((r) => r.status === 400)).toHaveLength(1);
  });

  it('never has more requests in flight than DYNAMICS_MAX_CONCURRENCY', async () => {
    // Slow enough, and all at once, that the writes overlap however loaded the machine is.
    dv.faults.latencyMs = 150;
    const app = await startPipelineApp(dv, { env: { DYNAMICS_MAX_CONCURRENCY: '3' } });
    t = app;
    const base = fixture('https-appsource-contact-me') as { UserDetails: Record<string, string> };
    await Promise.all(Array.from({ length: 30 }, (_, i) => postLead(app.url, { ...base, UserDetails: { ...base.UserDetails, Email: `buyer${String(i)}@example.com` } })));
    await waitFor(() => dv.leads.size, (n) => n === 30);
    expect(dv.maxInFlight).toBe(3);
  });
});
