import type { GraphEmulator } from '../graph';
import { httpsFetch, tokenFor } from './https-fetch';
import { APP, DATAVERSE_SAMPLE_CLIENT_ID, TENANT_ID, USER } from '../directory';
import { sharedServices, startGraph } from '../../test/support/shared-services';

/** A delegated token for the local user (the password grant), for `audience`. */
async function userToken(audience: string): Promise<string> {
  const response = await httpsFetch(`${sharedServices().idpOrigin}/${TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: DATAVERSE_SAMPLE_CLIENT_ID, username: USER.username, password: USER.password, scope: `${audience}/.default` }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

describe('the Microsoft Graph emulator', () => {
  let graph: GraphEmulator;
  const get = async (path: string, token: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> => {
    const response = await httpsFetch(`${graph.url}${path}`, { headers: token === '' ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, headers: response.headers as unknown as Headers, body: (await response.json()) as Record<string, unknown> };
  };
  const secret = { keyId: 'b1a2c3d4-0000-4000-8000-000000000001', displayName: 'leads', hint: 'loc', startDateTime: '2026-06-01T00:00:00Z', endDateTime: '2027-06-01T00:00:00Z' };
  const appPath = `/v1.0/applications(appId='${APP.clientId}')?$select=passwordCredentials`;

  beforeAll(async () => {
    graph = await startGraph();
    graph.setApplication(APP.clientId, [secret]);
    graph.setUser({ id: '3a9c1e7f-0000-4000-8000-00000000b001', userPrincipalName: USER.username, lastPasswordChangeDateTime: '2026-10-01T08:30:00Z' });
  });
  afterAll(async () => {
    await graph.stop();
  });
  afterEach(() => {
    graph.revokeAll();
  });

  it('lists an app\'s client secrets to an app granted Application.Read.All, only the selected properties', async () => {
    graph.grant(APP.clientId, ['Application.Read.All']);
    const answer = await get(appPath, await tokenFor(graph.url));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json;odata.metadata=minimal');
    expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.body).toEqual({ '@odata.context': `${graph.url}/v1.0/$metadata#applications(passwordCredentials)/$entity`, passwordCredentials: [secret] });
    expect(graph.requests.at(-1)).toEqual({ method: 'GET', path: appPath, appId: APP.clientId, status: 200 });
  });

  it('takes the quotes and $select URL-encoded, and without $select answers the default properties', async () => {
    graph.grant(APP.clientId, ['Application.ReadWrite.All']);
    const token = await tokenFor(graph.url);
    const encoded = await get(`/v1.0/applications(appId=%27${APP.clientId}%27)?%24select=passwordCredentials`, token);
    expect(encoded.body).toEqual({ '@odata.context': `${graph.url}/v1.0/$metadata#applications(passwordCredentials)/$entity`, passwordCredentials: [secret] });
    const whole = await get(`/v1.0/applications(appId='${APP.clientId}')`, token);
    expect(whole.body).toEqual({
      '@odata.context': `${graph.url}/v1.0/$metadata#applications/$entity`,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      appId: APP.clientId,
      displayName: expect.any(String),
      passwordCredentials: [secret],
    });
    expect((await get(`/v1.0/applications(appId='${APP.clientId}')`, token)).body.id).toBe(whole.body.id);
  });

  it('refuses an app without the permission (403), and answers 404 for an unknown app', async () => {
    const refused = await get(appPath, await tokenFor(graph.url));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
      innerError: { date: expect.any(String), 'request-id': refused.headers.get('request-id'), 'client-request-id': expect.any(String) },
    });
    graph.grant(APP.clientId, ['Application.Read.All']);
    const unknown = await get("/v1.0/applications(appId='00000000-0000-4000-8000-00000000ffff')", await tokenFor(graph.url));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      code: 'Request_ResourceNotFound',
      message: "Resource 'applications(appId='00000000-0000-4000-8000-00000000ffff')' does not exist or one of its queried reference-property objects are not present.",
    });
  });

  it('answers 400 for a path it does not serve, naming the segment', async () => {
    const answer = await get('/v1.0/servicePrincipals', await tokenFor(graph.url));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'BadRequest', message: "Resource not found for the segment 'servicePrincipals'." });
  });

  it('answers 401 InvalidAuthenticationToken with the Bearer challenge without a token, or with one for another audience', async () => {
    const cases: [string, string][] = [
      ['', 'Access token is empty.'],
      [await tokenFor('https://contoso.crm.dynamics.com'), 'Access token validation failure. Invalid audience.'],
      ['not.a.jwt', 'Access token validation failure.'],
    ];
    for (const [token, message] of cases) {
      const answer = await get(appPath, token);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: 'InvalidAuthenticationToken', message });
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
      );
    }
    expect(graph.requests.slice(-3).map((r) => [r.appId, r.status])).toEqual([[undefined, 401], [undefined, 401], [undefined, 401]]);
  });

  it('tells a user their own lastPasswordChangeDateTime on /me, only when selected', async () => {
    const token = await userToken(graph.url);
    expect((await get('/v1.0/me?$select=lastPasswordChangeDateTime', token)).body).toEqual({
      '@odata.context': `${graph.url}/v1.0/$metadata#users(lastPasswordChangeDateTime)/$entity`,
      lastPasswordChangeDateTime: '2026-10-01T08:30:00Z',
    });
    const plain = await get('/v1.0/me', token);
    expect(plain.body).toEqual({
      '@odata.context': `${graph.url}/v1.0/$metadata#users/$entity`,
      id: '3a9c1e7f-0000-4000-8000-00000000b001',
      displayName: USER.username,
      userPrincipalName: USER.username,
      mail: USER.username,
    });
    // Delegated tokens read as the user may: no application permission is needed.
    expect((await get(`/v1.0/applications(appId='${APP.clientId}')?$select=passwordCredentials`, token)).status).toBe(200);
  });

  it('serves /me to delegated tokens only, and /users to apps granted User.Read.All', async () => {
    const appToken = await tokenFor(graph.url);
    expect((await get('/v1.0/me', appToken)).body.error).toMatchObject({ code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.' });
    const path = `/v1.0/users/${USER.username}?$select=lastPasswordChangeDateTime`;
    expect((await get(path, appToken)).status).toBe(403);
    graph.grant(APP.clientId, ['User.Read.All']);
    const granted = await get(path, appToken);
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ lastPasswordChangeDateTime: '2026-10-01T08:30:00Z' });
    expect((await get(`/v1.0/users/${USER.username.toUpperCase()}`, appToken)).body).toMatchObject({ id: '3a9c1e7f-0000-4000-8000-00000000b001' });
    expect((await get('/v1.0/users/3A9C1E7F-0000-4000-8000-00000000B001', appToken)).body).toMatchObject({ userPrincipalName: USER.username });
    const missing = await get('/v1.0/users/nobody@contoso.example', appToken);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: 'Request_ResourceNotFound',
      message: "Resource 'nobody@contoso.example' does not exist or one of its queried reference-property objects are not present.",
    });
  });

  const post = async (path: string, token: string, body: unknown): Promise<{ status: number; headers: Headers; text: string }> => {
    const response = await httpsFetch(`${graph.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, headers: response.headers as unknown as Headers, text: await response.text() };
  };
  const mail = (to: string): unknown => ({ message: { subject: 'Hi', body: { contentType: 'HTML', content: '<p>Hi</p>' }, toRecipients: [{ emailAddress: { address: to } }] }, saveToSentItems: false });

  it('sends mail as documented: Mail.Send checked, 202 with no body, Exchange\'s errors, 429 with Retry-After on demand', async () => {
    const token = await tokenFor(graph.url);
    const path = `/v1.0/users/${USER.username}/sendMail`;
    expect(JSON.parse((await post(path, token, mail('a@contoso.example'))).text)).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    graph.grant(APP.clientId, ['Mail.Send']);
    const sent = await post(path, token, mail('a@contoso.example'));
    expect([sent.status, sent.text]).toEqual([202, '']);
    expect(graph.mails.at(-1)).toMatchObject({ from: USER.username, to: ['a@contoso.example'], subject: 'Hi', contentType: 'HTML' });
    expect(JSON.parse((await post('/v1.0/users/nobody@contoso.example/sendMail', token, mail('a@contoso.example'))).text)).toMatchObject({ error: { code: 'ErrorInvalidUser' } });
    const bad = await post(path, token, mail('not an address'));
    expect([bad.status, (JSON.parse(bad.text) as { error: { code: string } }).error.code]).toEqual([400, 'ErrorInvalidRecipients']);
    graph.throttleNext(1, 3);
    const throttled = await post(path, token, mail('a@contoso.example'));
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '3']);
  });

  it('installs a catalog app for a user once (201, then 409), refuses guests, and tells Teams\' side', async () => {
    const token = await tokenFor(graph.url);
    const catalogId = '1542629c-01b3-4a6d-8f76-1938b779e48d';
    graph.addCatalogApp(catalogId);
    graph.setUser({ id: '8a1b2c3d-0000-4000-8000-00000000d009', userPrincipalName: 'guest_x#EXT#@contoso.example', mail: 'guest@x.example', userType: 'Guest', lastPasswordChangeDateTime: '2026-10-01T08:30:00Z' });
    const told: string[] = [];
    let heard = (_userId: string): void => undefined;
    graph.onInstall = (user) => {
      told.push(user.id);
      heard(user.id);
    };
    const install = (user: string, app = catalogId): Promise<{ status: number; text: string }> =>
      post(`/v1.0/users/${user}/teamwork/installedApps`, token, { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${app}` });
    expect((await install('3a9c1e7f-0000-4000-8000-00000000b001')).status).toBe(403);
    graph.grant(APP.clientId, ['TeamsAppInstallation.ReadWriteSelfForUser.All', 'User.Read.All']);
    expect((await install('3a9c1e7f-0000-4000-8000-00000000b001')).status).toBe(201);
    expect((await install('3a9c1e7f-0000-4000-8000-00000000b001')).status).toBe(409);
    expect((await install('3a9c1e7f-0000-4000-8000-00000000b001', '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await install('guest_x#EXT#@contoso.example'.replace('#', '%23').replace('#', '%23'))).status).toBe(403);
    // Teams' side hears of installs in the order they were made: once it has heard of one more,
    // made after the refused ones, it would have heard of any of those too.
    const member = '8a1b2c3d-0000-4000-8000-00000000d00a';
    graph.setUser({ id: member, userPrincipalName: 'member_x@contoso.example', lastPasswordChangeDateTime: '2026-10-01T08:30:00Z' });
    const heardOfMember = new Promise<void>((resolve) => {
      heard = (userId) => {
        if (userId === member) resolve();
      };
    });
    expect((await install(member)).status).toBe(201);
    await heardOfMember;
    expect(told).toEqual(['3a9c1e7f-0000-4000-8000-00000000b001', member]);
    // The installation, and the chat the bot writes to.
    const listed = await get(`/v1.0/users/3a9c1e7f-0000-4000-8000-00000000b001/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(`teamsApp/id eq '${catalogId}'`)}`, token);
    const [installation] = listed.body.value as { id: string; teamsApp: { id: string } }[];
    expect(installation?.teamsApp.id).toBe(catalogId);
    const chat = await get(`/v1.0/users/3a9c1e7f-0000-4000-8000-00000000b001/teamwork/installedApps/${encodeURIComponent(installation?.id ?? '')}/chat`, token);
    expect(chat.body).toMatchObject({ id: `19:3a9c1e7f-0000-4000-8000-00000000b001_${catalogId}@unq.gbl.spaces`, chatType: 'oneOnOne' });
    // A user by mail, with the properties asked for.
    const found = await get(`/v1.0/users?$filter=${encodeURIComponent("mail eq 'guest@x.example'")}&$select=id,userType`, token);
    expect(found.body.value).toEqual([{ id: '8a1b2c3d-0000-4000-8000-00000000d009', userType: 'Guest' }]);
  });
});
