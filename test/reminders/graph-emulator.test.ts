import { DATAVERSE_SAMPLE_CLIENT_ID } from '../../src/dynamics/sign-in';
import { startGraph, type GraphEmulator } from '../support/graph-emulator';
import { httpsFetch, tokenFor } from '../support/https-fetch';
import { APP, sharedServices, TENANT_ID, USER } from '../support/local-services';

/** A delegated token for the local user (the password grant), for `audience`. */
async function userToken(audience: string): Promise<string> {
  const response = await httpsFetch(`${sharedServices().idpOrigin}/${TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: DATAVERSE_SAMPLE_CLIENT_ID, username: USER.username, password: USER.password, scope: `${audience}/.default` }).toString(),
  });
  return ((await response.json()) as { access_token: string }).access_token;
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
    expect(answer.body).toEqual({ '@odata.context': `${graph.url}/v1.0/$metadata#applications(passwordCredentials)/$entity`, passwordCredentials: [secret] });
  });

  it('refuses an app without the permission (403), and answers 404 for an unknown app', async () => {
    const refused = await get(appPath, await tokenFor(graph.url));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    graph.grant(APP.clientId, ['Application.Read.All']);
    const unknown = await get("/v1.0/applications(appId='00000000-0000-4000-8000-00000000ffff')", await tokenFor(graph.url));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'Request_ResourceNotFound' });
  });

  it('answers 401 InvalidAuthenticationToken with the Bearer challenge without a token, or with one for another audience', async () => {
    for (const token of ['', await tokenFor('https://contoso.crm.dynamics.com'), 'not.a.jwt']) {
      const answer = await get(appPath, token);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: 'InvalidAuthenticationToken' });
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="", authorization_uri=/);
    }
  });

  it('tells a user their own lastPasswordChangeDateTime on /me, only when selected', async () => {
    const token = await userToken(graph.url);
    expect((await get('/v1.0/me?$select=lastPasswordChangeDateTime', token)).body).toMatchObject({ lastPasswordChangeDateTime: '2026-10-01T08:30:00Z' });
    const plain = await get('/v1.0/me', token);
    expect(plain.body).toMatchObject({ userPrincipalName: USER.username });
    expect(plain.body).not.toHaveProperty('lastPasswordChangeDateTime');
  });

  it('serves /me to delegated tokens only, and /users to apps granted User.Read.All', async () => {
    const appToken = await tokenFor(graph.url);
    expect((await get('/v1.0/me', appToken)).body.error).toMatchObject({ code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.' });
    const path = `/v1.0/users/${USER.username}?$select=lastPasswordChangeDateTime`;
    expect((await get(path, appToken)).status).toBe(403);
    graph.grant(APP.clientId, ['User.Read.All']);
    expect((await get(path, appToken)).body).toMatchObject({ lastPasswordChangeDateTime: '2026-10-01T08:30:00Z' });
  });
});
