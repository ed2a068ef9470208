import { readEnvFiles } from './config/read-env-files';
import { loadSettings, SettingsError } from './config/settings';
import { createApp } from './app';
import { createLogger } from './logging/create-logger';

/**
 * What a deployment runs: settings from the environment (or `--env <name>` to read
 * env/.env.<name> and its .user file first), then serve until SIGTERM.
 */
async function main(argv: readonly string[]): Promise<void> {
  const envFlag = argv.indexOf('--env');
  const envName = envFlag === -1 ? process.env.APP_ENV : argv[envFlag + 1];
  const env = envName === undefined || envName === '' ? process.env : readEnvFiles(envName, process.env);

  let settings;
  try {
    settings = loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`${error.message}\n\nEvery setting, its meaning and default: docs/settings.md.\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger(settings.logLevel);
  const app = createApp(settings, { logger });
  await app.start();

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    // Past the limit, exit anyway: every acknowledged lead is in storage, and one in hand reappears on the queue.
    setTimeout(() => {
      logger.error({ limitMs: settings.shutdownMs }, 'shutdown took too long; exiting with work in hand, handed back to the queue');
      // Storage gets a moment to take them back, no more: the exit is due.
      const handedBack = Promise.race([app.worker.handBack(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      void handedBack.finally(() => process.exit(1));
    }, settings.shutdownMs).unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`The bot could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
