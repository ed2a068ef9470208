import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { loadSettings } from '../src/config/settings';
import { createLogger } from '../src/logging/create-logger';
import type { Azurite } from '../test/support/azurite';
import { startBotConnectorEmulator } from '../test/support/bot-connector-emulator';
import { startDataverseEmulator } from '../test/support/dataverse-emulator';
import { startIdentityProvider } from '../test/support/identity-provider';
import { APP, defaultDirectory, dynamicsEnv, TENANT_ID } from '../test/support/local-services';
import { seedAdmin } from '../test/support/seed-installations';
import { ensureTlsCertificate } from '../test/support/tls';

const DAY = 86_400_000;
const ADMINS = ['admin1@contoso.example', 'admin2@contoso.example'];

/** The bot with its local services, two admins in Teams (the connector emulator), on a clock the bench moves. */
async function startRig(azurite: Azurite, directory = defaultDirectory()) {
  const tls = await ensureTlsCertificate(mkdtempSync(join(tmpdir(), 'bench-tls-')));
  const idp = await startIdentityProvider(tls, directory);
  const dv = await startDataverseEmulator({ tls, identityProviderOrigin: idp.origin, tenantId: TENANT_ID });
  const connector = await startBotConnectorEmulator({ appPerSecond: 50 });
  const clock = { now: new Date('2027-01-01T09:00:00Z') };
  const settings = loadSettings({
    STORAGE_CONNECTION_STRING: azurite.connectionString,
    STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    LEAD_INTAKE_KEY: randomBytes(18).toString('base64url'),
    ADMINS: ADMINS.join(';'),
    TEAMS_TENANT_ID: TENANT_ID,
    DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31',
    ...dynamicsEnv(dv.url, 'aad', idp.origin),
  });
  const app = createApp(settings, { logger: createLogger('silent'), trustedCertificates: tls.cert, now: () => clock.now });
  await app.storage.ensureCreated();
  for (const email of ADMINS) await seedAdmin(app.installations, connector.serviceUrl, { email, tenantId: TENANT_ID });
  const { url } = await app.start(0, '127.0.0.1');
  return {
    app,
    url,
    settings,
    clock,
    connector,
    async stop() {
      await app.stop();
      await connector.stop();
      await dv.stop();
      await idp.stop();
    },
  };
}

/**
 * A reminder check: the hourly cost when nothing is due (p50 / max of 20), and a check that
 * sends three reminders (the Dynamics secret and two credentials admins added) to two admins.
 */
export async function measureReminderCheck(azurite: Azurite): Promise<{ quietP50: number; quietMax: number; due: number; sent: number }> {
  const rig = await startRig(azurite);
  try {
    for (const name of ['partner-center-key', 'signing-certificate']) {
      await rig.app.credentials.registry.ensure(name, name, 'other', false);
      await rig.app.credentials.registry.setExpiry(name, { expiresAt: '2027-04-02T00:00:00.000Z', source: 'chat' });
    }
    const quiet: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await rig.app.reminders.tick();
      quiet.push(performance.now() - started);
    }
    quiet.sort((a, b) => a - b);
    rig.clock.now = new Date(Date.parse('2027-03-31T00:00:00Z') - 6.5 * DAY);
    const started = performance.now();
    await rig.app.reminders.tick();
    return { quietP50: quiet[10] ?? NaN, quietMax: quiet.at(-1) ?? NaN, due: performance.now() - started, sent: rig.connector.delivered.length };
  } finally {
    await rig.stop();
  }
}

/** From the POST of a lead that cannot be written (the secret expired) until both admins have the alarm card. */
export async function measureAlarm(azurite: Azurite): Promise<number> {
  const directory = defaultDirectory();
  const rig = await startRig(azurite, { ...directory, apps: directory.apps.map((a) => (a.clientId === APP.clientId ? { ...a, secretExpired: true } : a)) });
  try {
    const started = performance.now();
    const response = await fetch(`${rig.url}/api/leads?code=${rig.settings.intake.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ UserDetails: { FirstName: 'Dana', LastName: 'Buyer', Email: 'buyer@fabrikam.example' }, LeadSource: 'AppSource-PLT|contoso.sales', OfferTitle: 'Contoso Sales' }),
    });
    if (response.status !== 202) throw new Error(`lead answered ${response.status}`);
    while (rig.connector.delivered.filter((d) => JSON.stringify(d.activity).includes('Leads are waiting')).length < ADMINS.length) {
      if (performance.now() - started > 60_000) throw new Error('no alarm within a minute');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return performance.now() - started;
  } finally {
    await rig.stop();
  }
}
