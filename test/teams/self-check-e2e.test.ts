import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { ManualClock } from '../support/manual-clock';
import { FAST_RETRY, FAST_WORKER } from '../support/pipeline';
import { seedAdmin, seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

const DAY = 24 * 3_600_000;

// SELF_CHECK_HOURS 24, two instances on one storage, the clock the test's; an admin and a seller in Teams.
describe('the scheduled self-check', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
  const prefix = uniquePrefix();
  const running: TestApp[] = [];
  let adminChat: string;

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    for (const id of ['a', 'b']) {
      running.push(
        await startTestApp(
          { ...dynamicsEnv(dv.url), STORAGE_NAME_PREFIX: prefix, SELF_CHECK_HOURS: '24', ADMINS: 'ada@contoso.example', LEAD_CONTACTS: 'seller0@contoso.example', TEAMS_TENANT_ID: TENANT_ID },
          // The test drives the self-check; nothing else runs in the background.
          { backgroundWork: false, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, now: () => new Date(clock.now()), clock, instanceId: id },
        ),
      );
    }
    const installations = running[0]?.app.installations;
    if (installations === undefined) throw new Error('no app');
    await running[0]?.app.storage.ensureCreated();
    adminChat = await seedAdmin(installations, connector.serviceUrl, { email: 'ada@contoso.example', tenantId: TENANT_ID });
    await seedSellers(installations, connector.serviceUrl, 1);
  });
  afterAll(async () => {
    for (const app of running) await app.stop();
    await connector.stop();
    await dv.stop();
  });

  /** A day later, both instances look at once: what each found. */
  const dayLater = async (): Promise<string[]> => {
    await clock.advance(DAY);
    return (await Promise.all(running.map((r) => r.app.selfCheck.tick()))).sort();
  };
  const toAdmin = (): string[] => connector.delivered.filter((d) => d.conversationId === adminChat).map((d) => (typeof d.activity.text === 'string' ? d.activity.text : ''));

  it('runs a day after it is first seen, once across instances, quietly when healthy, leaving no test lead behind', async () => {
    expect(await Promise.all(running.map((r) => r.app.selfCheck.tick()))).toEqual(['not-due', 'not-due']);
    expect(await dayLater()).toEqual(['healthy', 'not-due']);
    // The test lead was written (and assigned, as Claim would), then deleted.
    expect(dv.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/leads') && r.status < 300)).toHaveLength(1);
    expect(dv.requests.filter((r) => r.method === 'DELETE' && r.status < 300)).toHaveLength(1);
    expect(dv.leads.size).toBe(0);
    // Nothing to anyone: not the admin, not the seller.
    expect(connector.delivered).toEqual([]);
  });

  it('tells the admins once when it starts failing, not again while it fails, and once when it passes again', async () => {
    dv.faults.refuseRole = true;
    expect(await dayLater()).toEqual(['failing', 'not-due']);
    expect(toAdmin()).toEqual([expect.stringContaining('The scheduled self-check found a problem')]);
    const alert = JSON.stringify(connector.delivered.find((d) => d.conversationId === adminChat)?.activity.attachments);
    expect(alert).toContain('Failed');
    expect(alert).toContain('security role');

    expect(await dayLater()).toEqual(['not-due', 'still-failing']);
    expect(toAdmin()).toHaveLength(1);

    dv.faults.clear();
    expect(await dayLater()).toEqual(['not-due', 'recovered']);
    expect(toAdmin()).toEqual([expect.stringContaining('found a problem'), expect.stringContaining('The scheduled self-check passes again')]);
    expect(await dayLater()).toEqual(['healthy', 'not-due']);
    expect(toAdmin()).toHaveLength(2);
    // Never the seller.
    expect(connector.delivered.filter((d) => d.conversationId !== adminChat)).toEqual([]);
  });
});
