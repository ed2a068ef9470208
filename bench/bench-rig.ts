import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../src/app';
import { loadSettings } from '../src/config/settings';
import { createLogger } from '../src/logging/create-logger';
import type { Azurite } from '../test/support/azurite';
import { startBotConnectorEmulator, type BotConnectorEmulator } from '../test/support/bot-connector-emulator';
import { startDataverseEmulator, type DataverseEmulator } from '../test/support/dataverse-emulator';
import { startIdentityProvider, type Directory } from '../test/support/identity-provider';
import { defaultDirectory, dynamicsEnv, TENANT_ID } from '../test/support/local-services';
import { ensureTlsCertificate } from '../test/support/tls';

export interface Rig {
  readonly app: App;
  readonly url: string;
  readonly key: string;
  readonly connector: BotConnectorEmulator;
  /** Its Dynamics, to break on purpose. */
  readonly dataverse: DataverseEmulator;
  stop(): Promise<void>;
}

export interface RigOptions {
  /** Settings beyond the storage, intake key and local Dynamics. */
  readonly env?: Record<string, string>;
  readonly directory?: Directory;
  readonly now?: () => Date;
  /** Runs before the app starts (seeding installations, say). */
  readonly prepare?: (app: App, connector: BotConnectorEmulator) => Promise<unknown>;
}

/** One bot instance as deployed (default worker pacing), its Dynamics and its Teams, on loopback. */
export async function startRig(azurite: Azurite, options: RigOptions = {}): Promise<Rig> {
  const tls = await ensureTlsCertificate(mkdtempSync(join(tmpdir(), 'bench-tls-')));
  const idp = await startIdentityProvider(tls, options.directory ?? defaultDirectory());
  const dv = await startDataverseEmulator({ tls, identityProviderOrigin: idp.origin, tenantId: TENANT_ID });
  const connector = await startBotConnectorEmulator({ appPerSecond: 50 });
  const key = randomBytes(18).toString('base64url');
  const settings = loadSettings({
    STORAGE_CONNECTION_STRING: azurite.connectionString,
    STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    LEAD_INTAKE_KEY: key,
    ...dynamicsEnv(dv.url, 'aad', idp.origin),
    ...options.env,
  });
  const app = createApp(settings, { logger: createLogger('silent'), trustedCertificates: tls.cert, ...(options.now === undefined ? {} : { now: options.now }) });
  await app.storage.ensureCreated();
  await options.prepare?.(app, connector);
  const { url } = await app.start(0, '127.0.0.1');
  return {
    app,
    url,
    key,
    connector,
    dataverse: dv,
    async stop() {
      await app.stop();
      await connector.stop();
      await dv.stop();
      await idp.stop();
    },
  };
}

/** A "Contact me" lead, POSTed as Partner Center does; resolves once it is accepted. */
export async function postLead(rig: Rig, i: number): Promise<void> {
  const response = await fetch(`${rig.url}/api/leads?code=${rig.key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ UserDetails: { FirstName: 'Dana', LastName: `Buyer ${i}`, Email: `buyer${i}@fabrikam.example` }, LeadSource: 'AppSource-PLT|contoso.sales', OfferTitle: 'Contoso Sales' }),
  });
  if (response.status !== 202) throw new Error(`lead ${i} answered ${response.status}`);
  await response.arrayBuffer();
}
