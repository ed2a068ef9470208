import restify, { type Server } from 'restify';
import type { Settings } from './config/settings';
import { DataverseClient, type RetryPolicy } from './dynamics/dataverse-client';
import { dynamicsLeadWriter } from './dynamics/dynamics-lead-writer';
import { createHttpTransport } from './dynamics/http-transport';
import { createTokenSource } from './dynamics/sign-in';
import { registerHealthRoutes } from './health/health-routes';
import { registerIntakeRoute } from './intake/intake-route';
import { TableImporter } from './intake/table-importer';
import type { Logger } from './logging/create-logger';
import { DeadLetters } from './pipeline/dead-letters';
import type { LeadNotifier } from './pipeline/lead-notifier';
import { DEFAULT_WORKER_OPTIONS, LeadWorker, type LeadWorkerOptions } from './pipeline/lead-worker';
import { openStorage, type Storage } from './storage/storage';
import { registerRoutes } from './commands/route-table';
import { createBot, type Bot, type ChannelAuthority } from './teams/bot';
import { DeliveryStore } from './teams/delivery-store';
import { InstallationStore } from './teams/installation-store';
import { SendLimiter } from './teams/send-limiter';
import { teamsNotifier } from './teams/teams-notifier';
import { registerMessagesRoute } from './teams/messages-route';

export interface AppDeps {
  readonly logger: Logger;
  /** The clock; tests move it. */
  readonly now?: () => Date;
  /** Set false when a test drives the background work (worker, table import) itself. */
  readonly backgroundWork?: boolean;
  /** PEM certificates to trust beyond the system's (the local services' throwaway one). */
  readonly trustedCertificates?: string;
  /** Who hears about written leads; Teams unless a test says otherwise. */
  readonly notifier?: LeadNotifier;
  readonly workerOptions?: Partial<LeadWorkerOptions>;
  readonly dynamicsRetry?: RetryPolicy;
  /** Where Bot Framework channel tokens are checked, when not Microsoft's public cloud. */
  readonly channelAuthority?: ChannelAuthority;
}

export interface App {
  readonly server: Server;
  readonly storage: Storage;
  readonly importer: TableImporter | undefined;
  readonly worker: LeadWorker;
  readonly deadLetters: DeadLetters;
  readonly dynamics: DataverseClient;
  readonly bot: Bot;
  readonly installations: InstallationStore;
  readonly deliveries: DeliveryStore;
  /** Creates missing tables and queues, listens, and starts background work. */
  start(port?: number, host?: string): Promise<{ url: string }>;
  /** Stops taking work, finishes what is in hand, and closes the server. */
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
  const acceptDeps = {
    leads: storage.leads,
    leadQueue: storage.leadQueue,
    now,
    logger,
    onQueued: () => {
      worker.nudge();
    },
  };
  const importer =
    settings.tableImport === undefined ? undefined : new TableImporter(settings.tableImport, storage.state, acceptDeps);

  const transport = createHttpTransport(deps.trustedCertificates === undefined ? {} : { trustedCertificates: deps.trustedCertificates });
  const tokens = createTokenSource(settings.dynamics, transport, logger);
  const dynamics = new DataverseClient(settings.dynamics, tokens, transport, logger, deps.dynamicsRetry);
  const deadLetters = new DeadLetters(storage.deadLetterTable, storage.leads, storage.leadQueue);
  const installations = new InstallationStore(storage.installationTable);
  const deliveries = new DeliveryStore(storage.deliveryTable);
  const limiter = new SendLimiter(settings.teamsMessagesPerSecond);
  const bot = createBot(settings.bot, installations, logger, now, deps.channelAuthority);
  const notifier =
    deps.notifier ??
    teamsNotifier({
      adapter: bot.adapter,
      botAppId: settings.bot?.id ?? '',
      installations,
      deliveries,
      contacts: settings.leadContacts,
      limiter,
      logger,
      now,
    });
  const worker = new LeadWorker(
    {
      leads: storage.leads,
      queue: storage.leadQueue,
      deadLetters,
      writer: dynamicsLeadWriter(dynamics, settings.dynamics.leadSourceCode),
      notifier,
      logger,
      now,
    },
    { ...DEFAULT_WORKER_OPTIONS, maxAttempts: settings.pipeline.maxAttempts, ...deps.workerOptions },
  );

  registerRoutes(bot, { settings, bot, leads: storage.leads, installations, deliveries, deadLetters, dynamics, signIn: tokens, worker, limiter, logger, now });

  const server = restify.createServer({ name: 'marketplace-lead-bot', handleUncaughtExceptions: false });
  registerHealthRoutes(server, () => storage.checkReachable(), logger);
  registerIntakeRoute(server, settings.intake, acceptDeps);
  registerMessagesRoute(server, bot, logger);

  return {
    server,
    storage,
    importer,
    worker,
    deadLetters,
    dynamics,
    bot,
    installations,
    deliveries,
    async start(port = settings.port, host?: string) {
      await storage.ensureCreated();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      if (deps.backgroundWork !== false) {
        importer?.start();
        worker.start();
      }
      const address = server.address();
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      logger.info({ url, dynamics: settings.dynamics.url, signIn: tokens.description, tableImport: importer !== undefined }, 'marketplace lead bot listening');
      return { url };
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await Promise.all([importer?.stop(), worker.stop()]);
      await transport.close();
    },
  };
}
