import { randomBytes } from 'node:crypto';
import { createApp } from '../src/app';
import { loadSettings } from '../src/config/settings';
import { acceptLead } from '../src/intake/accept-lead';
import { parseHttpsLead } from '../src/leads/parse-https-lead';
import { createLogger } from '../src/logging/create-logger';
import type { Azurite } from '../emulators/azurite';
import type { DataverseEmulator, Faults } from '../emulators/dataverse';
import { startLocalStack } from '../emulators/local-stack';
import type { Figure } from './figures';

const sample = parseHttpsLead({
  UserDetails: { FirstName: 'Dana', LastName: 'Whitfield', Email: 'dana@fabrikam.example', Company: 'Fabrikam' },
  LeadSource: 'AppSource-PLT|contoso.contoso-sales-insights',
  OfferTitle: 'Contoso Sales Insights',
});

/**
 * Leads per second written into the Dataverse emulator by one bot instance's worker, from a
 * queue already holding `count` leads until the last is done (stored, written, notified).
 */
export async function measureWriteRate(azurite: Azurite, count: number, throttle?: Faults['throttle']): Promise<{ rate: number; throttled: number }> {
  const stack = await startLocalStack({ storage: { connectionString: azurite.connectionString }, dynamics: true });
  const dv = stack.dataverse as DataverseEmulator;
  dv.faults.throttle = throttle;
  const settings = loadSettings({
    ...stack.settings,
    STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    LEAD_INTAKE_KEY: randomBytes(18).toString('base64url'),
  });
  const app = createApp(settings, {
    logger: createLogger('silent'),
    trustedCertificates: stack.tls.cert,
    backgroundWork: false,
    workerOptions: { idleMs: 20 },
  });
  await app.start(0, '127.0.0.1');
  const deps = { leads: app.storage.leads, leadQueue: app.storage.leadQueue, now: () => new Date() };
  for (let i = 0; i < count; i++) {
    await acceptLead({ ...sample, customer: { ...sample.customer, email: `b${i}@x.example` } }, 'https', { key: `bench-${i}`, duplicateWindowMs: 0 }, deps);
  }

  const started = process.hrtime.bigint();
  app.worker.start();
  while (dv.leads.size < count) await new Promise((r) => setTimeout(r, 20));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const throttled = dv.requests.filter((r) => r.status === 429).length;
  await app.stop();
  await stack.stop();
  return { rate: count / seconds, throttled };
}

/** Queued leads written into the Dataverse emulator by one instance, without and with throttling. */
export async function dynamicsWriteFigures(azurite: Azurite): Promise<Figure[]> {
  const writes = Number(process.env.BENCH_WRITES ?? 300);
  const free = await measureWriteRate(azurite, writes);
  const limited = await measureWriteRate(azurite, writes, { maxRequests: 50, windowMs: 1000, retryAfterSeconds: 1 });
  return [
    { name: `${String(writes)} queued leads written into the Dataverse emulator, no throttling`, value: free.rate, unit: '/s' },
    { name: 'The same, the emulator throttling past 50 requests/s (429 + Retry-After 1)', value: limited.rate, unit: '/s', note: `${String(limited.throttled)} answers were 429` },
  ];
}
