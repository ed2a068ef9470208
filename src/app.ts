import restify, { type Server } from 'restify';
import type { Settings } from './config/settings';
import { registerHealthRoutes } from './health/health-routes';
import { registerIntakeRoute } from './intake/intake-route';
import { TableImporter } from './intake/table-importer';
import type { Logger } from './logging/create-logger';
import { openStorage, type Storage } from './storage/storage';

export interface AppDeps {
  readonly logger: Logger;
  /** The clock; tests move it. */
  readonly now?: () => Date;
  /** Set false when a test drives the background work (table import passes) itself. */
  readonly backgroundWork?: boolean;
}

export interface App {
  readonly server: Server;
  readonly storage: Storage;
  readonly importer: TableImporter | undefined;
  /** Creates missing tables and queues, listens, and starts background work. */
  start(port?: number, host?: string): Promise<{ url: string }>;
  /** Stops taking work and closes the server. */
  stop(): Promise<void>;
}

/**
 * Wires the bot from its settings. Nothing connects or listens until start(): tests build as
 * many apps as they like, each on its own storage prefix and port.
 */
export function createApp(settings: Settings, deps: AppDeps): App {
  const logger = deps.logger;
  const now = deps.now ?? (() => new Date());
  const storage = openStorage(settings.storage);
  const acceptDeps = { leads: storage.leads, leadQueue: storage.leadQueue, now, logger };
  const importer =
    settings.tableImport === undefined ? undefined : new TableImporter(settings.tableImport, storage.state, acceptDeps);

  const server = restify.createServer({ name: 'marketplace-lead-bot', handleUncaughtExceptions: false });
  registerHealthRoutes(server, () => storage.checkReachable(), logger);
  registerIntakeRoute(server, settings.intake, acceptDeps);

  return {
    server,
    storage,
    importer,
    async start(port = settings.port, host?: string) {
      await storage.ensureCreated();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      if (deps.backgroundWork !== false) importer?.start();
      const address = server.address();
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      logger.info({ url, tableImport: importer !== undefined }, 'marketplace lead bot listening');
      return { url };
    },
    async stop() {
      await importer?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
