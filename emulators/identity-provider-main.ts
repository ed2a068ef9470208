/**
 * Runs the local identity provider in a process of its own (oauth2-mock-server is ESM-only)
 * and prints one JSON line with its origin. Started by identity-provider-process.ts.
 */
import { readFileSync } from 'node:fs';
import { startIdentityProvider, type Directory } from './identity-provider';

async function main(): Promise<void> {
  const certPath = process.env.IDP_CERT ?? '';
  const keyPath = process.env.IDP_KEY ?? '';
  const directory = JSON.parse(process.env.IDP_DIRECTORY ?? '') as Directory;
  const tls = { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  const idp = await startIdentityProvider(tls, directory, Number(process.env.IDP_PORT ?? 0));
  process.stdout.write(`${JSON.stringify({ origin: idp.origin })}\n`);
  const stop = (): void => {
    void idp.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`identity provider failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
