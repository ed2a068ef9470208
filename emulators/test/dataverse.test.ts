import { randomUUID } from 'node:crypto';
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

  it('answers queries: $filter (strings without regard to case, unquoted GUIDs, and/or/not), $select, $orderby, $top', async () => {
    const older = dv.addContact({ fullname: 'Dana Whitfield', emailaddress1: 'Dana@Fabrikam.example', createdon: '2025-03-01T00:00:00Z' });
    dv.addContact({ fullname: 'Dana W. (again)', emailaddress1: 'dana@fabrikam.example', createdon: '2026-03-01T00:00:00Z' });
    dv.addContact({ fullname: 'Someone Else', emailaddress1: 'else@fabrikam.example' });
    const response = await call('GET', `contacts?$select=fullname,createdon&$filter=statecode eq 0 and emailaddress1 eq 'dana@fabrikam.example'&$orderby=createdon asc&$top=1`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { '@odata.context': string; value: Record<string, unknown>[] };
    expect(body['@odata.context']).toBe(`${dv.url}/api/data/v9.2/$metadata#contacts`);
    expect(body.value).toEqual([{ '@odata.etag': expect.stringMatching(/^W\/"\d+"$/), contactid: older, fullname: 'Dana Whitfield', createdon: '2025-03-01T00:00:00Z' }]);

    const user = dv.addUser({ azureactivedirectoryobjectid: '00000000-0000-4000-8000-0000000000AA', fullname: 'Ana Bowman', internalemailaddress: 'ana@contoso.example' });
    const byObjectId = await call('GET', 'systemusers?$select=fullname,isdisabled&$filter=azureactivedirectoryobjectid eq 00000000-0000-4000-8000-0000000000aa');
    expect(((await byObjectId.json()) as { value: unknown[] }).value).toEqual([{ '@odata.etag': expect.any(String), systemuserid: user, fullname: 'Ana Bowman', isdisabled: false }]);
    const none = await call('GET', "systemusers?$filter=(fullname eq 'Ana Bowman' and not (internalemailaddress eq 'ana@contoso.example')) or isdisabled eq true");
    expect(((await none.json()) as { value: unknown[] }).value).toEqual([]);
  });

  it('reads %, _ and [ ] inside contains, startswith and endswith as SQL wildcards, and [_] as a literal underscore', async () => {
    dv.addAccount({ name: 'Fabrikam', emailaddress1: 'axb@fabrikam.example', websiteurl: 'https://www.fabrikam.example' });
    const names = async (filter: string): Promise<unknown[]> =>
      ((await (await call('GET', `accounts?$select=name&$filter=${encodeURIComponent(filter)}`)).json()) as { value: { name: unknown }[] }).value.map((a) => a.name);
    expect(await names("endswith(emailaddress1,'a_b@fabrikam.example')")).toEqual(['Fabrikam']);
    expect(await names("endswith(emailaddress1,'a[_]b@fabrikam.example')")).toEqual([]);
    expect(await names("contains(websiteurl,'FABRIKAM.example')")).toEqual(['Fabrikam']);
    expect(await names("startswith(websiteurl,'https://www.fab%')")).toEqual(['Fabrikam']);
    expect(await names("contains(websiteurl,'[^f]abrikam')")).toEqual([]);
  });

  it('refuses a property the table does not have, and a malformed $filter, with 400 0x80060888', async () => {
    const unknown = await call('GET', "contacts?$filter=email eq 'x'");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: { code: '0x80060888', message: "Could not find a property named 'email' on type 'Microsoft.Dynamics.CRM.contact'." } });
    expect((await call('GET', 'contacts?$select=fullname,nickname')).status).toBe(400);
    const malformed = await call('GET', "contacts?$filter=fullname eq 'unclosed");
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('0x80060888');
  });

  it("names a lead's owner when asked for annotations: the FormattedValue and the lookup's table", async () => {
    await call('POST', 'leads', { ...LEAD, leadid: ID, emailaddress1: 'dana@fabrikam.example' });
    const prefer = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname"';
    const response = await call('GET', `leads?$select=fullname,_ownerid_value&$filter=statecode eq 0 and emailaddress1 eq 'dana@fabrikam.example' and leadid ne 00000000-0000-0000-0000-000000000000`, undefined, { prefer });
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe(prefer);
    const [lead] = ((await response.json()) as { value: Record<string, unknown>[] }).value;
    expect(lead).toMatchObject({
      leadid: ID,
      fullname: 'Dana Whitfield',
      _ownerid_value: '3a9c1e7f-0000-4000-8000-00000000a001',
      '_ownerid_value@OData.Community.Display.V1.FormattedValue': 'Marketplace Lead Bot (application user)',
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
    });
    expect(Object.keys((await (await call('GET', `leads?$select=_ownerid_value`)).json() as { value: Record<string, unknown>[] }).value[0] ?? {})).not.toContain('_ownerid_value@OData.Community.Display.V1.FormattedValue');
  });

  it("assigns a lead's owner with ownerid@odata.bind, refusing a user who cannot own it as the service does", async () => {
    await call('POST', 'leads', { ...LEAD, leadid: ID });
    const ana = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'Ana Bowman', internalemailaddress: 'ana@contoso.example' });
    const assign = (user: string, headers: Record<string, string> = { 'if-match': '*' }) => call('PATCH', `leads(${ID})`, { 'ownerid@odata.bind': `/systemusers(${user})` }, headers);
    expect((await assign(ana)).status).toBe(204);
    expect(dv.leads.get(ID)?._ownerid_value).toBe(ana);

    const refusal = async (user: string): Promise<[number, string]> => {
      const response = await assign(user);
      return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
    };
    expect(await refusal(randomUUID())).toEqual([404, '0x80040217']);
    const disabled = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'Gone', internalemailaddress: 'gone@contoso.example', isdisabled: true });
    expect(await refusal(disabled)).toEqual([400, '0x80040225']);
    const roleless = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'New', internalemailaddress: 'new@contoso.example', noRoles: true });
    expect(await refusal(roleless)).toEqual([400, '0x80042f09']);
    const cannotRead = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'Reader', internalemailaddress: 'reader@contoso.example', missingPrivileges: ['prvReadLead'] });
    const unreadable = await assign(cannotRead);
    expect(unreadable.status).toBe(403);
    expect(((await unreadable.json()) as { error: { code: string; message: string } }).error).toEqual({ code: '0x80040220', message: expect.stringMatching(new RegExp(`^Principal user \\(Id=${cannotRead},.* is missing prvReadLead privilege .* for entity 'lead'\\. context\\.Caller=`)) });
    const malformed = await call('PATCH', `leads(${ID})`, { 'ownerid@odata.bind': 'systemusers/ana' }, { 'if-match': '*' });
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('0x80090800');
    dv.faults.refusePrivileges = ['prvAssignLead'];
    const denied = await assign(ana);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string; message: string } }).error).toEqual({ code: '0x80040220', message: expect.stringMatching(/is missing prvAssignLead privilege .* on OTC=4 for entity 'lead'/) });
    expect(dv.leads.get(ID)?._ownerid_value).toBe(ana);
  });

  it("sets a lead's state and status reason together, refusing a pair the Lead table does not allow (400 0x80048408)", async () => {
    await call('POST', 'leads', { ...LEAD, leadid: ID });
    const patch = (body: Record<string, unknown>) => call('PATCH', `leads(${ID})`, body, { 'if-match': '*' });
    expect((await patch({ statecode: 0, statuscode: 2 })).status).toBe(204);
    expect(dv.leads.get(ID)).toMatchObject({ statecode: 0, statuscode: 2 });
    const wrong = await patch({ statecode: 0, statuscode: 5 });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: { code: '0x80048408', message: `5 is not a valid status code for state code LeadState.Open on lead with Id ${ID}.` } });
    expect((await patch({ statecode: 2 })).status).toBe(204);
    expect(dv.leads.get(ID)).toMatchObject({ statecode: 2, statuscode: 4 });
    expect((await patch({ statecode: 2, statuscode: 5 })).status).toBe(204);
    expect(dv.leads.get(ID)).toMatchObject({ statecode: 2, statuscode: 5 });
  });

  it("applies a PATCH or DELETE with If-Match only to the version its etag names, else 412 0x80060882", async () => {
    await call('POST', 'leads', { ...LEAD, leadid: ID });
    const read = await call('GET', `leads(${ID})?$select=statecode`);
    const etag = ((await read.json()) as { '@odata.etag': string })['@odata.etag'];
    expect(etag).toMatch(/^W\/"\d+"$/);
    const patch = (ifMatch: string) => call('PATCH', `leads(${ID})`, { statecode: 0, statuscode: 2 }, { 'if-match': ifMatch });
    const stale = await patch('W/"1"');
    expect(stale.status).toBe(412);
    expect(await stale.json()).toEqual({ error: { code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." } });
    expect(dv.leads.get(ID)).toMatchObject({ statuscode: 1 });
    expect((await patch(etag)).status).toBe(204);
    expect(dv.leads.get(ID)).toMatchObject({ statuscode: 2 });
    // Written since: that etag is stale at once (a row version, not a time), for an update as for a delete.
    expect((await patch(etag)).status).toBe(412);
    expect((await call('DELETE', `leads(${ID})`, undefined, { 'if-match': etag })).status).toBe(412);
    const now = ((await (await call('GET', `leads(${ID})?$select=statecode`)).json()) as { '@odata.etag': string })['@odata.etag'];
    expect((await call('DELETE', `leads(${ID})`, undefined, { 'if-match': now })).status).toBe(204);
    expect(dv.leads.has(ID)).toBe(false);
  });

  it('answers a PATCH with If-Match: * to a missing lead with 404, and creates it without (an upsert); deletes once', async () => {
    const missing = await call('PATCH', `leads(${ID})`, { statecode: 0, statuscode: 2 }, { 'if-match': '*' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('0x80040217');
    expect(dv.leads.has(ID)).toBe(false);
    expect((await call('PATCH', `leads(${ID})`, LEAD)).status).toBe(204);
    expect(dv.leads.has(ID)).toBe(true);
    expect((await call('DELETE', `leads(${ID})`)).status).toBe(204);
    expect((await call('DELETE', `leads(${ID})`)).status).toBe(404);
  });

  it('shows a contact or an account at main.aspx, as "Open in Dynamics" links to it', async () => {
    const id = dv.addContact({ fullname: 'Dana Whitfield', emailaddress1: 'dana@fabrikam.example' });
    const page = await httpsFetch(`${dv.url}/main.aspx?etn=contact&pagetype=entityrecord&id=${id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('dana@fabrikam.example');
    expect((await httpsFetch(`${dv.url}/main.aspx?etn=account&pagetype=entityrecord&id=${id}`)).status).toBe(404);
  });

  it('answers 404 with an OData error outside the Web API', async () => {
    const response = await httpsFetch(`${dv.url}/main.aspx`);
    expect(response.status).toBe(404);
  });
});
