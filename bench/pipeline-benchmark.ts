import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { loadSettings } from '../src/config/settings';
import { acceptLead } from '../src/intake/accept-lead';
import { parseHttpsLead } from '../src/leads/parse-https-lead';
import { createLogger } from '../src/logging/create-logger';
import type { Azurite } from '../test/support/azurite';
import { startDataverseEmulator, type Faults } from '../test/support/dataverse-emulator';
import { startIdentityProvider } from '../test/support/identity-provider';
import { defaultDirectory, dynamicsEnv, TENANT_ID } from '../test/support/local-services';
import { ensureTlsCertificate } from '../test/support/tls';

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
  const tls = await ensureTlsCertificate(mkdtempSync(join(tmpdir(), 'bench-tls-')));
  const idp = await startIdentityProvider(tls, defaultDirectory());
  const dv = await startDataverseEmulator({ tls, identityProviderOrigin: idp.origin, tenantId: TENANT_ID });
  dv.faults.throttle = throttle;
  const settings = loadSettings({
    STORAGE_CONNECTION_STRING: azurite.connectionString,
    STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    LEAD_INTAKE_KEY: randomBytes(18).toString('base64url'),
    ...dynamicsEnv(dv.url, 'aad', idp.origin),
  });
  const app = createApp(settings, {
    logger: createLogger('silent'),
    trustedCertificates: tls.cert,
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
  await dv.stop();
  await idp.stop();
  return { rate: count / seconds, throttled };
}
