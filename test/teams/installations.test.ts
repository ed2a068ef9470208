import { startPlayground, type Playground } from '../../emulators/agents-playground';
import { waitFor } from '../support/pipeline';
import { startTestApp, type TestApp } from '../support/test-app';

describe('installations, through the Agents Playground', () => {
  let t: TestApp;
  let playground: Playground;

  beforeAll(async () => {
    t = await startTestApp();
    playground = await startPlayground(`${t.url}/api/messages`);
  });
  afterAll(async () => {
    await playground.stop();
    await t.stop();
  });

  it('remembers a personal chat with the user\'s e-mail and Azure AD id when the app is installed, and says hello', async () => {
    const chat = playground.config.personalChat.id;
    await playground.install(chat);
    const installation = await waitFor(() => t.app.installations.get(chat), (i) => i !== undefined);
    const welcome = await waitFor(() => playground.messages.find((m) => m.conversationId === chat), (m) => m !== undefined);
    expect(welcome?.text).toMatch(/^Hi! I'm the Marketplace Lead Bot\. .*Type \*\*help\*\*/);
    expect(installation).toMatchObject({
      conversationId: chat,
      kind: 'personal',
      tenantId: playground.config.tenantId,
      email: playground.config.currentUser.email.toLowerCase(),
      aadObjectId: playground.config.currentUser.aadObjectId,
      name: playground.config.currentUser.name,
      reference: { conversation: { id: chat }, serviceUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/_connector$/) },
    });
  });

  it('remembers group chats and channels too, without a user', async () => {
    const group = playground.config.groupChats[0]?.id ?? '';
    const channel = playground.config.teams[0]?.channels[0]?.id ?? '';
    await playground.install(group);
    await playground.install(channel);
    expect(await waitFor(() => t.app.installations.get(group), (i) => i !== undefined)).toMatchObject({ kind: 'groupChat', email: undefined });
    expect(await waitFor(() => t.app.installations.get(channel), (i) => i !== undefined)).toMatchObject({ kind: 'channel', conversationId: channel });
  });

  it('answers text that is no command with a pointer to help', async () => {
    const chat = playground.config.personalChat.id;
    expect((await playground.ask(chat, 'hello')).text).toBe("Sorry, I don't know that one. Type **help** to see what I can do.");
    expect((await playground.ask(chat, 'invalidate')).text).toMatch(/^Sorry, I don't know that one/);
  });

  it('forgets a conversation when the app is uninstalled', async () => {
    const chat = playground.config.personalChat.id;
    await waitFor(() => t.app.installations.get(chat), (i) => i !== undefined);
    await playground.sendCustom(chat, 'uninstall');
    await waitFor(() => t.app.installations.get(chat), (i) => i === undefined);
    expect((await t.app.installations.list()).map((i) => i.kind).sort()).toEqual(['channel', 'groupChat']);
  });
});
