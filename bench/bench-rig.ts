import { randomBytes } from 'node:crypto';
import { createApp, type App } from '../src/app';
import { loadSettings, type Settings } from '../src/config/settings';
import { createLogger } from '../src/logging/create-logger';
import type { Azurite } from '../emulators/azurite';
import type { BotConnectorEmulator } from '../emulators/bot-connector';
import type { DataverseEmulator } from '../emulators/dataverse';
import type { Directory } from '../emulators/identity-provider';
import { startLocalStack, type LocalStack } from '../emulators/local-stack';

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

/**
 * Dynamics and Teams (the Bot Connector emulator answering 429 past 50 per second for the app) on
 * loopback over `azurite`, and the bot's settings for them on a storage prefix of their own.
 */
export async function startBenchStack(azurite: Azurite, env: Record<string, string> = {}, directory?: Directory): Promise<{ stack: LocalStack; connector: BotConnectorEmulator; key: string; settings: Settings }> {
  const stack = await startLocalStack({
    storage: { connectionString: azurite.connectionString },
    dynamics: true,
    teams: { appPerSecond: 50 },
    ...(directory === undefined ? {} : { directory }),
  });
  const key = randomBytes(18).toString('base64url');
  const settings = loadSettings({ ...stack.settings, STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`, LEAD_INTAKE_KEY: key, ...env });
  return { stack, connector: stack.connector as BotConnectorEmulator, key, settings };
}

/** One bot instance as deployed (default worker pacing), its Dynamics and its Teams, on loopback. */
export async function startRig(azurite: Azurite, options: RigOptions = {}): Promise<Rig> {
  const { stack, connector, key, settings } = await startBenchStack(azurite, options.env, options.directory);
  const app = createApp(settings, { logger: createLogger('silent'), trustedCertificates: stack.tls.cert, ...(options.now === undefined ? {} : { now: options.now }) });
  await app.storage.ensureCreated();
  await options.prepare?.(app, connector);
  const { url } = await app.start(0, '127.0.0.1');
  return {
    app,
    url,
    key,
    connector,
    dataverse: stack.dataverse as DataverseEmulator,
    async stop() {
      await app.stop();
      await stack.stop();
    },
  };
}

/** A "Contact me" lead, POSTed as Partner Center does; resolves once it is accepted. */
export async function postLead(rig: Pick<Rig, 'url' | 'key'>, i: number): Promise<void> {
  const response = await fetch(`${rig.url}/api/leads?code=${rig.key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ UserDetails: { FirstName: 'Dana', LastName: `Buyer ${i}`, Email: `buyer${i}@fabrikam.example` }, LeadSource: 'AppSource-PLT|contoso.sales', OfferTitle: 'Contoso Sales' }),
  });
  if (response.status !== 202) throw new Error(`lead ${i} answered ${response.status}`);
  await response.arrayBuffer();
}
