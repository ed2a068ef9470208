import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type Azurite } from './azurite';
import { launchIdentityProvider, type IdentityProviderProcess } from './identity-provider-process';
import { defaultDirectory } from './local-services';
import { ensureTlsCertificate } from './tls';

declare global {
  var azurite: Azurite | undefined;
  var identityProvider: IdentityProviderProcess | undefined;
}

/**
 * The services every test file shares, started once: Azurite (each test isolates itself with
 * its own name prefix) and the local identity provider over https with a throwaway
 * certificate. Dataverse emulators are cheap and per test.
 */
export default async function globalSetup(): Promise<void> {
  const tlsDir = mkdtempSync(join(tmpdir(), 'lead-bot-tls-'));
  const tls = await ensureTlsCertificate(tlsDir);
  const [azurite, identityProvider] = await Promise.all([startAzurite(), launchIdentityProvider(tls, defaultDirectory())]);
  globalThis.azurite = azurite;
  globalThis.identityProvider = identityProvider;
  process.env.TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
  process.env.TEST_TLS_DIR = tlsDir;
  process.env.TEST_IDP_ORIGIN = identityProvider.origin;
}
