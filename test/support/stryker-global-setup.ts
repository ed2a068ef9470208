import globalSetup from './global-setup';

/**
 * The global setup for `npm run mutate` (stryker.config.cjs). Stryker's jest runner runs jest
 * once per mutant, in a few long-lived worker processes; the local stack is started by a
 * worker's first run and kept for the next ones, instead of started and stopped for every
 * mutant. There is no global teardown: Stryker kills each worker with its child processes
 * (Azurite, the identity provider) when the run ends, or when it replaces a worker whose mutant
 * hung.
 */
export default async function strykerGlobalSetup(): Promise<void> {
  if (globalThis.localStack === undefined) await globalSetup();
}
