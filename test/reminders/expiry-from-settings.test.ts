import { dynamicsEnv } from '../support/shared-services';
import { TENANT_ID } from '../../emulators/directory';
import { startTestApp, type TestApp } from '../support/test-app';

const BOT = { BOT_ID: '00000000-0000-4000-8000-000000000011', BOT_PASSWORD: 'bot-secret-canary-value', BOT_TENANT_ID: TENANT_ID };

describe('credential expiry from the settings (no Graph to ask)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it("tracks the Dynamics secret and the bot's own secret with the dates the settings give", async () => {
    t = await startTestApp({ ...BOT, DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31', BOT_PASSWORD_EXPIRES: '2027-05-01' });
    await t.app.credentials.sync();
    const credentials = await t.app.credentials.registry.list();
    expect(credentials.map((c) => [c.id, c.name, c.expiresAt, c.source])).toEqual([
      ['bot-secret', 'Bot client secret', '2027-05-01T00:00:00.000Z', 'settings'],
      ['dynamics-secret', 'Dynamics client secret', '2027-03-31T00:00:00.000Z', 'settings'],
    ]);
    expect(t.logs.join('')).not.toContain(BOT.BOT_PASSWORD);
  });

  it('works out when the Office 365 password expires from its last change, and forgets the secret the settings no longer have', async () => {
    t = await startTestApp({ DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31' });
    await t.app.credentials.sync();
    const prefix = t.settings.storage.namePrefix;
    await t.stop();
    // The same bot switched to the Office 365 option.
    t = await startTestApp({ ...dynamicsEnv('https://127.0.0.1:9', 'o365'), STORAGE_NAME_PREFIX: prefix, DYNAMICS_PASSWORD_CHANGED: '2026-10-01' });
    await t.app.credentials.sync();
    const credentials = await t.app.credentials.registry.list();
    expect(credentials.map((c) => [c.id, c.changedAt, c.expiresAt])).toEqual([['dynamics-password', '2026-10-01T00:00:00.000Z', '2026-12-30T00:00:00.000Z']]);
  });

  it('keeps a date an admin typed over the one in the settings', async () => {
    t = await startTestApp({ DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31' });
    await t.app.credentials.sync();
    const secret = await t.app.credentials.registry.get('dynamics-secret');
    if (secret === undefined) throw new Error('tracked');
    await t.app.credentials.record(secret, new Date('2027-09-30T00:00:00Z'), 'Alex Wilber');
    await t.app.credentials.sync();
    expect(await t.app.credentials.registry.get('dynamics-secret')).toMatchObject({ expiresAt: '2027-09-30T00:00:00.000Z', source: 'chat', setBy: 'Alex Wilber' });
  });
});
