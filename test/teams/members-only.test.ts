import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import { TENANT_ID } from '../../emulators/directory';
import { sendAsTeams } from '../../emulators/send-as-teams';
import { resolveRecipients } from '../../src/conversations/resolve-recipients';
import type { Installation } from '../../src/conversations/installation-store';
import { waitFor } from '../support/pipeline';
import { startTestApp, type TestApp } from '../support/test-app';

const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';

/** A personal chat as the bot keeps it. */
const chat = (email: string, extra: Partial<Installation> = {}): Installation => ({
  conversationId: `a:${email}`,
  kind: 'personal',
  tenantId: TENANT_ID,
  userId: `29:${email}`,
  aadObjectId: undefined,
  email,
  userPrincipalName: email,
  name: email,
  reference: {},
  updatedAt: '2026-12-01T08:00:00Z',
  ...extra,
});

describe('lead cards go to members of the organisation only', () => {
  it('leaves out guests, anonymous people and chats of other organisations, whatever the list says', () => {
    const installations = [
      chat('member@contoso.example'),
      chat('staff@contoso.example', { userRole: 'user' }),
      chat('guest@fabrikam.example', { userRole: 'guest' }),
      chat('anon@contoso.example', { userRole: 'anonymous', subscribed: true }),
      chat('elsewhere@contoso.example', { tenantId: OTHER_TENANT }),
      { ...chat('channel'), kind: 'channel' as const, email: undefined, userPrincipalName: undefined, subscribed: true },
      { ...chat('foreign-channel'), kind: 'channel' as const, email: undefined, userPrincipalName: undefined, subscribed: true, tenantId: OTHER_TENANT },
    ];
    const contacts = ['member@contoso.example', 'staff@contoso.example', 'guest@fabrikam.example', 'elsewhere@contoso.example'];
    const { targets, unreachable } = resolveRecipients(installations, { contacts, chats: [] }, TENANT_ID);
    expect(targets.map((t) => t.conversationId).sort()).toEqual(['a:channel', 'a:member@contoso.example', 'a:staff@contoso.example']);
    expect(unreachable).toEqual([
      { contact: 'guest@fabrikam.example', reason: 'not-a-member' },
      { contact: 'elsewhere@contoso.example', reason: 'not-installed' },
    ]);
  });
});

describe('Teams activities from outside the organisation', () => {
  let connector: BotConnectorEmulator;
  let t: TestApp;
  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    t = await startTestApp({ TEAMS_TENANT_ID: TENANT_ID });
  });
  afterAll(async () => {
    await t.stop();
    await connector.stop();
  });

  it('keeps no installation from another organisation', async () => {
    const response = await sendAsTeams(t.url, connector.serviceUrl, { userId: '29:stranger', conversationId: 'a:stranger' }, {
      type: 'installationUpdate',
      action: 'add',
      id: 'install-elsewhere',
      conversation: { id: 'a:stranger', conversationType: 'personal', tenantId: OTHER_TENANT },
      channelData: { tenant: { id: OTHER_TENANT } },
    });
    expect(response.status).toBeLessThan(300);
    expect(t.logs.join('')).toContain("installed in another organisation's Teams: not kept");
    expect(await t.app.installations.get('a:stranger')).toBeUndefined();
  });

  it('lets no guest subscribe, in their own chat or elsewhere', async () => {
    const guest = { userId: '29:guest', aadObjectId: '6f1c1b7a-0000-4000-8000-0000000000a1', name: 'Gus Guest', conversationId: 'a:guest' };
    connector.members.set(guest.userId, { name: 'Gus Guest', aadObjectId: guest.aadObjectId, email: 'gus@fabrikam.example', userPrincipalName: 'gus_fabrikam.example#EXT#@contoso.example', userRole: 'guest' });
    await sendAsTeams(t.url, connector.serviceUrl, guest, { type: 'installationUpdate', action: 'add', id: 'install-guest' });
    expect((await t.app.installations.get('a:guest'))?.userRole).toBe('guest');

    await sendAsTeams(t.url, connector.serviceUrl, guest, { type: 'message', id: 'subscribe-guest', text: 'subscribe' });
    const said = await waitFor(
      () => connector.delivered.filter((d) => d.conversationId === 'a:guest').map((d) => (typeof d.activity.text === 'string' ? d.activity.text : '')),
      (texts) => texts.some((text) => text.startsWith('Sorry')),
    );
    expect(said).toContain('Sorry, I take **subscribe** only from members of the organisation that runs this bot, not from guests.');
    expect((await t.app.installations.get('a:guest'))?.subscribed).toBeUndefined();
  });
});
