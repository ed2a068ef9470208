import type { DataverseEmulator } from '../dataverse';
import { httpsFetch, tokenFor } from './https-fetch';
import { launchIdentityProvider } from '../identity-provider-process';
import { defaultDirectory, TENANT_ID } from '../directory';
import { sharedServices, startDataverse } from '../../test/support/shared-services';

const LEAD = { subject: 'Contact me — Contoso', lastname: 'Whitfield', firstname: 'Dana' };
const ID = '7a327f16-0a0a-87a2-bf94-84a8e5bf6703';

describe('the Dataverse Web API emulator', () => {
  let dv: DataverseEmulator;
  let token: string;
  const call = (method: string, resource: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpsFetch(`${dv.url}/api/data/v9.2/${resource}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeEach(async () => {
    dv = await startDataverse();
    token = await tokenFor(dv.url);
  });
  afterEach(async () => {
    await dv.stop();
  });

  it('answers 401 with the Bearer challenge without a token, or with a token for another organization', async () => {
    for (const authorization of ['', `Bearer ${await tokenFor('https://other.crm.dynamics.com')}`, 'Bearer not.a.jwt']) {
      const response = await call('GET', 'WhoAmI', undefined, { authorization });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer authorization_uri=https://127\\.0\\.0\\.1:\\d+/${TENANT_ID}/oauth2/authorize, resource_id=${dv.url}$`));
    }
  });

  it('answers 401 once the token has expired', async () => {
    const { tls } = sharedServices();
    // Long enough that a loaded machine still makes the first call in time; then waited out by the token's own exp.
    const idp = await launchIdentityProvider(tls, defaultDirectory({ tokenLifetimeSeconds: 4 }));
    const shortLived = await startDataverse(idp.origin);
    try {
      const response = () => httpsFetch(`${shortLived.url}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${token}` } });
      token = await tokenFor(shortLived.url, undefined, undefined, idp.origin);
      expect((await response()).status).toBe(200);
      const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number };
      await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1100));
      expect((await response()).status).toBe(401);
    } finally {
      await shortLived.stop();
      await idp.stop();
    }
  });

  it('answers WhoAmI', async () => {
    const response = await call('GET', 'WhoAmI');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      '@odata.context': `${dv.url}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
      BusinessUnitId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      UserId: '3a9c1e7f-0000-4000-8000-00000000a001',
      OrganizationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('creates a lead under the client-supplied id: 204 with OData-EntityId, then 412 0x80040237 for the same id', async () => {
    const created = await call('POST', 'leads', { ...LEAD, leadid: ID });
    expect(created.status).toBe(204);
    expect(created.headers.get('odata-entityid')).toBe(`${dv.url}/api/data/v9.2/leads(${ID})`);
    expect(dv.leads.get(ID)).toMatchObject(LEAD);

    const again = await call('POST', 'leads', { ...LEAD, leadid: ID });
    expect(again.status).toBe(412);
    expect(await again.json()).toEqual({ error: { code: '0x80040237', message: 'A record with matching key values already exists.' } });
    expect(dv.leads.size).toBe(1);
  });

  it('returns the record with Prefer: return=representation', async () => {
    const response = await call('POST', 'leads', LEAD, { prefer: 'return=representation' });
    expect(response.status).toBe(201);
    expect(response.headers.get('preference-applied')).toBe('return=representation');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ...LEAD, leadid: expect.stringMatching(/^[0-9a-f-]{36}$/), '@odata.etag': expect.any(String) });
    const read = await call('GET', `leads(${String(body.leadid)})`);
    expect(await read.json()).toMatchObject(LEAD);
  });

  it.each([
    [{ subject: 'x' }, '0x80040200', /'lastname' on the 'lead' entity must have a value/],
    [{ ...LEAD, firstname: 'x'.repeat(51) }, '0x80044331', /length of the 'firstname' attribute .* maximum allowed length of '50'/],
    [{ ...LEAD, nickname: 'D' }, '0x80060888', /The property 'nickname' does not exist/],
    [{ ...LEAD, leadid: 'not-a-guid' }, '0x80060891', /Edm.Guid/],
  ])('refuses an invalid lead with 400 and an OData error: %j', async (body, code, message) => {
    const response = await call('POST', 'leads', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code, message: expect.stringMatching(message) } });
  });

  it('refuses every data request with the privilege error when the user has no role', async () => {
    dv.faults.refuseRole = true;
    const response = await call('POST', 'leads', LEAD);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: '0x80042f09',
      message: expect.stringMatching(/^SecLib::RetrievePrivilegeForUser failed - no roles are assigned to user/),
    });
  });

  it('throttles past a request rate with 429 and Retry-After, until the window passes', async () => {
    dv.faults.throttle = { maxRequests: 2, windowMs: 400, retryAfterSeconds: 1 };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', 'WhoAmI')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const throttled = await call('GET', 'WhoAmI');
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe('0x80072322');
    await new Promise((r) => setTimeout(r, 450));
    expect((await call('GET', 'WhoAmI')).status).toBe(200);
  });

  it('says, when asked to, how long until the window has room again', async () => {
    dv.faults.throttle = { maxRequests: 1, windowMs: 3_000, retryAfterSeconds: 1, retryAfterUntilRoom: true };
    expect((await call('GET', 'WhoAmI')).status).toBe(200);
    const throttled = await call('GET', 'WhoAmI');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    dv.faults.clear();
  });

  it('throttles past a concurrency with 429 0x80072326', async () => {
    dv.faults.throttle = { maxConcurrent: 2, retryAfterSeconds: 2 };
    dv.faults.stallNext(2, 300);
    const statuses = await Promise.all([0, 1, 2].map(async (i) => {
      await new Promise((r) => setTimeout(r, i * 50));
      return (await call('GET', 'WhoAmI')).status;
    }));
    expect(statuses).toEqual([200, 200, 429]);
    expect(dv.maxInFlight).toBe(3);
  });

  it('fails the next requests with 500 or 503 on demand, then recovers', async () => {
    dv.faults.failNext(2, 503);
    expect((await call('GET', 'WhoAmI')).status).toBe(503);
    expect((await call('GET', 'WhoAmI')).status).toBe(503);
    expect((await call('GET', 'WhoAmI')).status).toBe(200);
  });

  it('can stall after committing a create, as a request that times out after Dynamics saved it', async () => {
    dv.faults.stallNext(1, 400, { afterCommit: true });
    const started = Date.now();
    const pending = call('POST', 'leads', { ...LEAD, leadid: ID });
    await new Promise((r) => setTimeout(r, 150));
    expect(dv.leads.has(ID)).toBe(true); // committed while the caller still waits
    expect((await pending).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('answers 404 with an OData error outside the Web API', async () => {
    const response = await httpsFetch(`${dv.url}/main.aspx`);
    expect(response.status).toBe(404);
  });
});
