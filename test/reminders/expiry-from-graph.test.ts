import { startPlayground } from '../../emulators/agents-playground';
import type { GraphEmulator } from '../../emulators/graph';
import { startGraph } from '../support/shared-services';
import { APP, USER } from '../../emulators/directory';
import { dynamicsEnv } from '../support/shared-services';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET_IN_SETTINGS = { keyId: 'b1a2c3d4-0000-4000-8000-000000000001', displayName: 'leads', hint: APP.secret.slice(0, 3), startDateTime: '2026-06-01T00:00:00Z', endDateTime: '2027-06-01T00:00:00Z' };
const ANOTHER_SECRET = { keyId: 'b1a2c3d4-0000-4000-8000-000000000002', displayName: 'old', hint: 'xyz', startDateTime: '2025-06-01T00:00:00Z', endDateTime: '2027-01-01T00:00:00Z' };

describe('credential expiry read from Microsoft Graph', () => {
  let graph: GraphEmulator;
  let apps: TestApp[] = [];

  async function start(env: Record<string, string>): Promise<TestApp> {
    const t = await startTestApp({ GRAPH_URL: graph.url, ...env });
    apps.push(t);
    return t;
  }

  beforeEach(async () => {
    graph = await startGraph();
    graph.setApplication(APP.clientId, [ANOTHER_SECRET, SECRET_IN_SETTINGS]);
    graph.setUser({ id: '3a9c1e7f-0000-4000-8000-00000000b001', userPrincipalName: USER.username, lastPasswordChangeDateTime: '2026-10-01T08:30:00Z' });
  });
  afterEach(async () => {
    for (const t of apps) await t.stop();
    apps = [];
    await graph.stop();
  });

  it("takes the client secret's end date from the app's registration, recognising the secret by its hint", async () => {
    graph.grant(APP.clientId, ['Application.Read.All']);
    const t = await start({});
    await t.app.credentials.sync();
    expect(await t.app.credentials.registry.get('dynamics-secret')).toMatchObject({ expiresAt: '2027-06-01T00:00:00.000Z', source: 'graph', graphProblem: undefined });
    expect(graph.requests.map((r) => [r.path, r.status])).toEqual([[`/v1.0/applications(appId='${APP.clientId}')?$select=passwordCredentials`, 200]]);
    expect(t.logs.join('')).not.toContain(APP.secret);
  });

  it('falls back to the date in the settings while Graph refuses, says why once, and takes Graph once permitted', async () => {
    const t = await start({ DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31' });
    await t.app.credentials.sync();
    await t.app.credentials.sync();
    const refused = await t.app.credentials.registry.get('dynamics-secret');
    expect(refused).toMatchObject({ expiresAt: '2027-03-31T00:00:00.000Z', source: 'settings' });
    expect(refused?.graphProblem).toBe('Graph refused (Authorization_RequestDenied): the sign-in needs Application.Read.All (application permission, with admin consent).');
    expect(t.logs.filter((l) => l.includes("Graph cannot tell this credential's expiry"))).toHaveLength(1);

    graph.grant(APP.clientId, ['Application.Read.All']);
    await t.app.credentials.sync();
    expect(await t.app.credentials.registry.get('dynamics-secret')).toMatchObject({ expiresAt: '2027-06-01T00:00:00.000Z', source: 'graph', graphProblem: undefined });
  });

  it('says so when none of the secrets Graph lists is the one in the settings', async () => {
    graph.grant(APP.clientId, ['Application.Read.All']);
    graph.setApplication(APP.clientId, [ANOTHER_SECRET]);
    const t = await start({});
    await t.app.credentials.sync();
    expect(await t.app.credentials.registry.get('dynamics-secret')).toMatchObject({
      expiresAt: undefined,
      graphProblem: `None of app ${APP.clientId}'s client secrets in Graph is the one in the bot's settings.`,
    });
  });

  it("reads the Office 365 user's last password change from /me and adds the maximum age", async () => {
    const t = await start({ ...dynamicsEnv('https://127.0.0.1:9', 'o365'), DYNAMICS_PASSWORD_MAX_AGE_DAYS: '60' });
    await t.app.credentials.sync();
    expect(await t.app.credentials.registry.get('dynamics-password')).toMatchObject({
      name: `Office 365 password of ${USER.username}`,
      changedAt: '2026-10-01T08:30:00.000Z',
      expiresAt: '2026-11-30T08:30:00.000Z',
      source: 'graph',
    });
    expect(t.logs.join('')).not.toContain(USER.password);
  });

  it("I've rotated it reads Graph again: it says so while the settings still carry the old secret, and records the new one", async () => {
    graph.grant(APP.clientId, ['Application.Read.All']);
    const t = await start({ ADMINS: 'alexw@example.com' });
    const playground = await startPlayground(`${t.url}/api/messages`);
    try {
      const chat = playground.config.personalChat.id;
      await playground.install(chat);
      await t.app.credentials.sync();
      expect((await playground.ask(chat, 'rotated dynamics-secret')).text).toMatch(
        /^Graph still shows the one in the bot's settings expiring 1 Jun 2027, 00:00 UTC\. Put the new value into the bot's settings and restart it/,
      );
      expect((await playground.ask(chat, 'rotation set dynamics-secret 2027-12-31')).text).toBe(
        "I read **dynamics-secret**'s dates from Microsoft Graph at every check, so a typed date would not last. After renewing it, type **rotated dynamics-secret**.",
      );
      // The new secret is in the settings now (same first characters here): Graph lists its later end.
      graph.setApplication(APP.clientId, [{ ...SECRET_IN_SETTINGS, endDateTime: '2028-05-31T00:00:00Z' }]);
      expect((await playground.ask(chat, 'rotated dynamics-secret')).text).toMatch(/^Graph now shows it expires in \d+ days \(31 May 2028, 00:00 UTC\)\.$/);
    } finally {
      await playground.stop();
    }
  });
});
