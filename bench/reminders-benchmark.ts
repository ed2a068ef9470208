import type { Azurite } from '../emulators/azurite';
import { APP, defaultDirectory, TENANT_ID } from '../emulators/directory';
import { seedAdmin } from '../test/support/seed-installations';
import { postLead, startRig as startBenchRig, type Rig } from './bench-rig';
import type { Figure } from './figures';

const DAY = 86_400_000;
const ADMINS = ['admin1@contoso.example', 'admin2@contoso.example'];

/** The bot with two admins in Teams (the connector emulator), on a clock the bench moves. */
async function startRig(azurite: Azurite, directory = defaultDirectory()): Promise<Rig & { clock: { now: Date } }> {
  const clock = { now: new Date('2027-01-01T09:00:00Z') };
  const rig = await startBenchRig(azurite, {
    env: { ADMINS: ADMINS.join(';'), TEAMS_TENANT_ID: TENANT_ID, DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31' },
    directory,
    now: () => clock.now,
    prepare: async (app, connector) => {
      for (const email of ADMINS) await seedAdmin(app.installations, connector.serviceUrl, { email, tenantId: TENANT_ID });
    },
  });
  return { ...rig, clock };
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
    await postLead(rig, 0);
    while (rig.connector.delivered.filter((d) => JSON.stringify(d.activity).includes('Leads are waiting')).length < ADMINS.length) {
      if (performance.now() - started > 60_000) throw new Error('no alarm within a minute');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return performance.now() - started;
  } finally {
    await rig.stop();
  }
}

export async function reminderFigures(azurite: Azurite): Promise<Figure[]> {
  const check = await measureReminderCheck(azurite);
  const alarm = await measureAlarm(azurite);
  return [
    { name: 'A reminder check with nothing due, 3 credentials (p50 of 20)', value: check.quietP50, unit: 'ms', note: `max ${check.quietMax.toFixed(0)} ms` },
    { name: `A reminder check sending 3 reminders to 2 admins (${String(check.sent)} cards)`, value: check.due, unit: 'ms' },
    { name: 'Expired secret: lead POSTed until both admins have the alarm card', value: alarm, unit: 'ms' },
  ];
}
