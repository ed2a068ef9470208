/**
 * The bot as a process of its own, for tests that kill it: settings from the environment,
 * like main.ts, plus the local services' certificate and worker timings short enough that a
 * lead taken by a killed worker reappears within the test.
 */
import { readFileSync } from 'node:fs';
import { createApp } from '../../src/app';
import { loadSettings } from '../../src/config/settings';
import { createLogger } from '../../src/logging/create-logger';
import { FAST_RETRY, FAST_WORKER } from './pipeline';

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  const app = createApp(settings, {
    logger: createLogger(settings.logLevel),
    trustedCertificates: readFileSync(process.env.TEST_TRUSTED_CERT ?? '', 'utf8'),
    workerOptions: { ...FAST_WORKER, hideMs: Number(process.env.TEST_HIDE_MS ?? 2000) },
    dynamicsRetry: FAST_RETRY,
  });
  const { url } = await app.start(0, '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`);
  process.once('SIGTERM', () => {
    void app.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
