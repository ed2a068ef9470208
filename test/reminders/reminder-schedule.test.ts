import { startBotConnectorEmulator, type BotConnectorEmulator, type Delivered } from '../../emulators/bot-connector';
import { TENANT_ID } from '../../emulators/directory';
import { seedAdmin } from '../support/seed-installations';
import { startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

const HOUR = 3_600_000;
const ADMIN = 'admin@contoso.example';
/** A client secret that expires 2027-03-31, as the settings say (no Graph locally). */
const ENV = { ADMINS: ADMIN, TEAMS_TENANT_ID: TENANT_ID, DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31' };
const EXPECTED = [
  'Dynamics client secret expires in 30 days',
  'Dynamics client secret expires in 14 days',
  'Dynamics client secret expires in 7 days',
  'Dynamics client secret expires in 3 days',
  'Dynamics client secret expires tomorrow',
  'Dynamics client secret expires today',
  'Dynamics client secret expired 1 day ago',
  'Dynamics client secret expired 2 days ago',
];

/** The headline of each reminder card the admin was sent, in order. */
function headlines(delivered: readonly Delivered[]): string[] {
  return delivered.map((d) => String((d.activity as { summary?: string }).summary));
}

describe('the rotation reminder schedule, with a moved clock', () => {
  let connector: BotConnectorEmulator;
  let apps: TestApp[];
  let clock: Date;
  let prefix: string;

  /** An instance of the bot on the shared storage, on the test's clock. */
  async function startInstance(name: string): Promise<TestApp> {
    const t = await startTestApp({ ...ENV, STORAGE_NAME_PREFIX: prefix }, { now: () => clock, instanceId: name });
    apps.push(t);
    return t;
  }

  /** Checks every 12 hours from 2027-02-26 to 2027-04-02, with `check` doing each. */
  async function walk(check: () => Promise<unknown>): Promise<void> {
    for (let t = Date.parse('2027-02-26T03:00:00Z'); t <= Date.parse('2027-04-02T15:00:00Z'); t += 12 * HOUR) {
      clock = new Date(t);
      await check();
    }
  }

  beforeEach(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    apps = [];
    prefix = uniquePrefix();
    clock = new Date('2027-02-26T00:00:00Z');
  });
  afterEach(async () => {
    for (const t of apps) await t.stop();
    await connector.stop();
  });

  it('sends each reminder once, on its day, to the admin', async () => {
    const t = await startInstance('a');
    await seedAdmin(t.app.installations, connector.serviceUrl, { email: ADMIN, tenantId: TENANT_ID });
    await walk(() => t.app.reminders.tick());
    expect(headlines(connector.delivered)).toEqual(EXPECTED);
    expect(new Set(connector.delivered.map((d) => d.conversationId))).toEqual(new Set([`a:admin-${ADMIN}`]));
    const card = JSON.stringify(connector.delivered[0]?.activity);
    expect(card).toContain('DYNAMICS_CLIENT_SECRET');
    expect(card).toContain('"verb":"credentialRotated"');
    expect(card).toContain('"verb":"snoozeReminder"');
    // Sent 2027-03-01 (30 days ahead); the next comes 14 days ahead.
    expect(card).toContain('{"title":"Next reminder","value":"17 Mar 2027, 00:00 UTC"}');
  });

  it('sends each reminder once when two instances check at the same moments', async () => {
    const [a, b] = [await startInstance('a'), await startInstance('b')];
    await seedAdmin(a.app.installations, connector.serviceUrl, { email: ADMIN, tenantId: TENANT_ID });
    let checks = 0;
    let checksRun = 0;
    await walk(async () => {
      const outcomes = await Promise.all([a.app.reminders.tick(), b.app.reminders.tick()]);
      checks++;
      if (outcomes.some((o) => o.ran)) checksRun++;
    });
    expect(headlines(connector.delivered)).toEqual(EXPECTED);
    // Each check was done: by the instance holding the lease (the other either waited it out or ran after).
    expect(checksRun).toBe(checks);
  });

  it('neither skips nor repeats a reminder when the bot restarts between checks', async () => {
    let t = await startInstance('a');
    await seedAdmin(t.app.installations, connector.serviceUrl, { email: ADMIN, tenantId: TENANT_ID });
    let step = 0;
    await walk(async () => {
      // A new process every third check.
      if (++step % 3 === 0) {
        await t.stop();
        apps = apps.filter((x) => x !== t);
        t = await startInstance(`a${String(step)}`);
      }
      await t.app.reminders.tick();
    });
    expect(headlines(connector.delivered)).toEqual(EXPECTED);
  });

  it('keeps a reminder due until an admin can be reached, then sends it once', async () => {
    const t = await startInstance('a');
    clock = new Date('2027-03-25T09:00:00Z');
    expect(await t.app.reminders.tick()).toEqual({ ran: true, sent: [] });
    expect(t.logs.join('')).toContain('no admin has the app in a personal chat');
    await seedAdmin(t.app.installations, connector.serviceUrl, { email: ADMIN, tenantId: TENANT_ID });
    clock = new Date('2027-03-25T10:00:00Z');
    await t.app.reminders.tick();
    await t.app.reminders.tick();
    expect(headlines(connector.delivered)).toEqual(['Dynamics client secret expires in 6 days']);
  });
});
