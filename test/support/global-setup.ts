import { dirname } from 'node:path';
import { startLocalStack, type LocalStack } from '../../emulators/local-stack';

declare global {
  var localStack: LocalStack | undefined;
}

/**
 * The services every test file shares, started once: Azurite (each test isolates itself with
 * its own name prefix) and the local identity provider over https with a throwaway
 * certificate. Dataverse and Graph emulators are cheap and per test.
 */
export default async function globalSetup(): Promise<void> {
  const stack = await startLocalStack({ identity: true });
  globalThis.localStack = stack;
  process.env.TEST_STORAGE_CONNECTION_STRING = stack.connectionString;
  process.env.TEST_TLS_DIR = dirname(stack.tls.certPath);
  process.env.TEST_IDP_ORIGIN = stack.identityProvider?.origin;
}
