import { startBotFrameworkTokenService, type BotFrameworkTokenService } from '../../emulators/bot-framework-token-service';
import { TENANT_ID } from '../../emulators/directory';
import { startTestApp, type TestApp } from '../support/test-app';

const BOT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const CANARY_SECRET = 'CANARY-bot-secret-9c1d';

/** A channel's installationUpdate, as Teams sends it when the app is added to a team. */
const channelInstalled = (conversationId: string): Record<string, unknown> => ({
  type: 'installationUpdate',
  action: 'add-upgrade',
  id: `activity-${conversationId}`,
  channelId: 'msteams',
  serviceUrl: SERVICE_URL,
  from: { id: '29:admin', aadObjectId: '6f1c1b7a-0000-4000-8000-000000000001' },
  recipient: { id: `28:${BOT_ID}` },
  conversation: { id: conversationId, conversationType: 'channel', isGroup: true, tenantId: TENANT_ID },
  channelData: { tenant: { id: TENANT_ID }, team: { id: '19:team@thread.tacv2' }, channel: { id: conversationId } },
});

describe('inbound Bot Framework authentication (BOT_ID set)', () => {
  let tokens: BotFrameworkTokenService;
  let t: TestApp;

  beforeAll(async () => {
    // botframework-connector prints every token it rejects to the console; the log we own is checked below.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    tokens = await startBotFrameworkTokenService();
    t = await startTestApp(
      { BOT_ID, BOT_PASSWORD: CANARY_SECRET, BOT_TENANT_ID: TENANT_ID, BOT_TYPE: 'SingleTenant' },
      { channelAuthority: { openIdMetadataUrl: tokens.openIdMetadataUrl, tokenIssuer: tokens.issuer } },
    );
  });
  afterAll(async () => {
    await t.stop();
    await tokens.stop();
  });

  const post = async (activity: Record<string, unknown>, token?: string): Promise<number> => {
    const response = await fetch(`${t.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(activity),
    });
    await response.arrayBuffer();
    return response.status;
  };
  const valid = { aud: BOT_ID, serviceurl: SERVICE_URL };

  it('accepts a channel token signed by the published key, for this bot, from this service URL', async () => {
    expect(await post(channelInstalled('19:accepted@thread.tacv2'), await tokens.sign(valid))).toBe(200);
    expect(await t.app.installations.get('19:accepted@thread.tacv2')).toMatchObject({ kind: 'channel', tenantId: TENANT_ID });
  });

  it.each([
    ['no token', undefined],
    ['a token signed by a key the channel never published', () => tokens.sign(valid, { key: 'unknown' })],
    ['a token for another bot', () => tokens.sign({ ...valid, aud: '11111111-2222-4333-8444-555555555555' })],
    ['a token from another issuer', () => tokens.sign({ ...valid, iss: 'https://evil.example/issuer' })],
    ['an expired token', () => tokens.sign(valid, { expiresAt: new Date(Date.now() - 3_600_000) })],
    ['a token for another service URL', () => tokens.sign({ ...valid, serviceurl: 'https://evil.example/' })],
  ])('refuses %s with 401, and the turn never runs', async (_what, makeToken) => {
    const conversationId = `19:refused-${Math.random().toString(16).slice(2)}@thread.tacv2`;
    expect(await post(channelInstalled(conversationId), makeToken === undefined ? undefined : await makeToken())).toBe(401);
    expect(await t.app.installations.get(conversationId)).toBeUndefined();
  });

  it('refuses an activity from a channel other than Teams: its key is endorsed for msteams only', async () => {
    const conversationId = '19:webchat@thread.tacv2';
    expect(await post({ ...channelInstalled(conversationId), channelId: 'webchat' }, await tokens.sign(valid))).toBe(401);
    expect(await t.app.installations.get(conversationId)).toBeUndefined();
  });

  it('logs each refusal once, in its own words, and never the bot secret', () => {
    const refusals = t.logs.filter((line) => line.includes('refused a Bot Framework request'));
    expect(refusals).toHaveLength(7);
    expect(t.logs.join('')).not.toContain(CANARY_SECRET);
  });
});

describe('without BOT_ID (local runs)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('takes Teams activities from this machine, and refuses other channels with a plain answer', async () => {
    const send = async (channelId: string, conversationId: string): Promise<{ status: number; body: string }> => {
      const response = await fetch(`${t.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...channelInstalled(conversationId), channelId }),
      });
      return { status: response.status, body: await response.text() };
    };
    expect((await send('msteams', '19:local-teams@thread.tacv2')).status).toBe(200);
    const other = await send('emulator', '19:local-emulator@thread.tacv2');
    expect(other.status).toBe(400);
    expect(JSON.parse(other.body)).toEqual({ error: { code: 'CHANNEL_NOT_SUPPORTED', message: 'This bot works in Microsoft Teams only (channelId "msteams").' } });
    expect(await t.app.installations.get('19:local-emulator@thread.tacv2')).toBeUndefined();
  });
});
