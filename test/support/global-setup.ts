import { startAzurite, type Azurite } from './azurite';

declare global {
  var azurite: Azurite | undefined;
}

/** One Azurite for the whole run; each test isolates itself with its own name prefix. */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite();
  globalThis.azurite = azurite;
  process.env.TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
}
