import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { launchIdentityProvider, type IdentityProviderProcess } from '../../emulators/identity-provider-process';
import { APP, defaultDirectory, TENANT_ID } from '../../emulators/directory';
import { dynamicsEnv, sharedServices, startDataverse } from '../support/shared-services';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedAdmin } from '../support/seed-installations';
import { postLead, startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

const ADMIN = 'admin@contoso.example';
const ROTATED_SECRET = 'rotated-client-secret-value';

/** The directory with the Dynamics app's secret in the given state. */
function directoryWith(app: { secret: string; secretExpired: boolean }) {
  const directory = defaultDirectory();
  return { ...directory, apps: directory.apps.map((a) => (a.clientId === APP.clientId ? { ...a, ...app } : a)) };
}

describe('the alarm when Dynamics sign-in starts failing', () => {
  let idp: IdentityProviderProcess;
  let dv: DataverseEmulator;
  let connector: BotConnectorEmulator;
  let instances: TestApp[] = [];

  beforeAll(async () => {
    idp = await launchIdentityProvider(sharedServices().tls, defaultDirectory());
    dv = await startDataverse(idp.origin);
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
  });
  afterAll(async () => {
    for (const t of instances) await t.stop();
    await connector.stop();
    await dv.stop();
    await idp.stop();
  });

  /** Two instances of the bot on one storage account, signing in with `secret` (those running before are stopped). */
  async function startInstances(prefix: string, secret: string): Promise<TestApp[]> {
    for (const t of instances) await t.stop();
    const env = { ...dynamicsEnv(dv.url, 'aad', idp.origin), DYNAMICS_CLIENT_SECRET: secret, ADMINS: ADMIN, LEAD_CONTACTS: 'sales@contoso.example', TEAMS_TENANT_ID: TENANT_ID, STORAGE_NAME_PREFIX: prefix };
    const options = { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, alarmDrain: { pollMs: 100, maxMs: 10_000 } };
    instances = [await startTestApp(env, options), await startTestApp(env, options)];
    return instances;
  }

  /** Stops the running instances: what their alarms had begun (a raise, a recovery) is finished when it resolves. */
  async function stopInstances(): Promise<void> {
    for (const t of instances) await t.stop();
    instances = [];
  }

  /** Whether a probe on this instance failed after its alarm was told, and the alarm said nothing again. */
  const toldAlready = (t: TestApp): boolean => t.logs.some((l) => l.includes('sign-in alarm already raised; not telling again'));

  const said = (): string[] => connector.delivered.map((d) => JSON.stringify(d.activity));

  it('secret expires → leads wait → admins get one alarm → secret rotated → every waiting lead written, and "recovered"', async () => {
    const prefix = uniquePrefix();
    await idp.setDirectory(directoryWith({ secret: APP.secret, secretExpired: true }));
    const [a, b] = await startInstances(prefix, APP.secret);
    if (a === undefined || b === undefined) throw new Error('two instances');
    await seedAdmin(a.app.installations, connector.serviceUrl, { email: ADMIN, tenantId: TENANT_ID });

    const names = ['https-appsource-contact-me', 'https-korean-contact', 'https-azure-portal-purchase'];
    const ids: string[] = [];
    for (const [i, name] of names.entries()) {
      const answer = await postLead((i % 2 === 0 ? a : b).url, fixture(name));
      expect(answer.status).toBe(202);
      ids.push(answer.body.leadId as string);
    }
    // Both instances find the secret expired, lead after lead, probe after probe: one alarm.
    await waitFor(() => Promise.all(ids.map((id) => a.app.storage.leads.get(id))), (leads) => leads.every((l) => l?.status === 'waiting' && l.lastErrorCode === 'DYNAMICS_SECRET_EXPIRED'));
    // Each instance's alarm has done its raising, and a later probe of each found it told already.
    await waitFor(() => [a, b].map(toldAlready), (told) => told.every(Boolean));
    expect(said()).toHaveLength(1);
    expect(said()[0]).toContain('Leads are waiting');
    expect(said()[0]).toContain('the client secret has expired (AADSTS7000222)');
    expect(said()[0]).toContain('DYNAMICS_CLIENT_SECRET');
    expect(dv.leads.size).toBe(0);

    // The admin makes a new secret and puts it in the settings: App Service restarts the app with it.
    await idp.setDirectory(directoryWith({ secret: ROTATED_SECRET, secretExpired: false }));
    const [c] = await startInstances(prefix, ROTATED_SECRET);
    if (c === undefined) throw new Error('restarted');

    await waitFor(said, (s) => s.length === 2, 20_000);
    expect(said()[1]).toMatch(/Recovered — 3 waiting leads written to Dynamics\. They waited from \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC/);
    const leads = await Promise.all(ids.map((id) => c.app.storage.leads.get(id)));
    expect(leads.map((l) => l?.status)).toEqual(['done', 'done', 'done']);
    expect(dv.leads.size).toBe(3);
    // And once only: no second alarm or recovery from the other instance. Every lead is written, so
    // every instance has begun whatever recovery it would announce; stopping them waits for it.
    const restarted = instances;
    await stopInstances();
    expect(said()).toHaveLength(2);
    // The secrets appear nowhere the admins or the logs see.
    for (const t of restarted) expect(t.logs.join('')).not.toContain(ROTATED_SECRET);
    expect(said().join('')).not.toContain(APP.secret);
  });

  it('tells an admin who opens the bot only after the incident began, at the next failing probe, once', async () => {
    await idp.setDirectory(directoryWith({ secret: APP.secret, secretExpired: true }));
    const [a] = await startInstances(uniquePrefix(), APP.secret);
    if (a === undefined) throw new Error('one instance');
    const before = said().length;
    const leadId = (await postLead(a.url, fixture('https-docs-sample'))).body.leadId as string;
    await waitFor(() => a.app.storage.leads.get(leadId), (l) => l?.status === 'waiting');
    // The alarm tried to tell the admins, and found none to tell.
    await waitFor(() => instances.some((t) => /"what":"alarm".*no admin has the app in a personal chat/.test(t.logs.join(''))), Boolean);
    expect(said()).toHaveLength(before);

    await seedAdmin(a.app.installations, connector.serviceUrl, { email: ADMIN, tenantId: TENANT_ID });
    await waitFor(said, (s) => s.length >= before + 1);
    // A later probe failed too, and the alarm, told already, said nothing again; stopping the
    // instances waits for any raising still under way on either.
    await waitFor(() => instances.some(toldAlready), Boolean);
    await stopInstances();
    expect(said()).toHaveLength(before + 1);
    expect(said().at(-1)).toContain('Leads are waiting');
  });

  it('raises no alarm for problems other than sign-in (they show in status and validate)', async () => {
    await idp.setDirectory(defaultDirectory());
    dv.faults.refuseRole = true;
    try {
      const [a] = await startInstances(uniquePrefix(), APP.secret);
      if (a === undefined) throw new Error('one instance');
      await seedAdmin(a.app.installations, connector.serviceUrl, { email: ADMIN, tenantId: TENANT_ID });
      const before = said().length;
      const leadId = (await postLead(a.url, fixture('https-docs-sample'))).body.leadId as string;
      await waitFor(() => a.app.storage.leads.get(leadId), (l) => l?.status === 'waiting' && l.lastErrorCode === 'DYNAMICS_ROLE_MISSING');
      // The alarm heard of the failure before the lead was marked waiting; stopping the instance
      // waits for anything it began.
      await stopInstances();
      expect(said()).toHaveLength(before);
    } finally {
      dv.faults.clear();
    }
  });
});
