import type { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import type { StorageSettings } from '../config/settings';
import { LeadQueue } from './lead-queue';
import { LeadStore } from './lead-store';
import { AwayList, Turns } from './round-robin';
import { RouteStore } from './route-store';
import { openTable } from './open-table';
import { expandConnectionString } from '../config/parse-connection-string';

/** Everything the bot keeps, all in one storage account: the only state any instance has. */
export interface Storage {
  readonly leads: LeadStore;
  readonly leadQueue: LeadQueue;
  /**
   * Leads waiting for Dynamics (their alert is out): taken only with room to spare, so a backlog
   * never stands between a new lead and its card.
   */
  readonly waitingQueue: LeadQueue;
  /** Small records of the bot's own (import watermarks, leases…), keyed by purpose. */
  readonly state: TableClient;
  /** Leads the pipeline gave up on, until re-driven. */
  readonly deadLetterTable: TableClient;
  /** Conversations the Teams app is installed in. */
  readonly installationTable: TableClient;
  /** Which lead card went to which conversation. */
  readonly deliveryTable: TableClient;
  /** Credentials whose expiry the bot watches, and the reminders sent about them. */
  readonly credentialTable: TableClient;
  /** Which lead mail went to whom. */
  readonly mailTable: TableClient;
  /** The routes set in chat. */
  readonly routes: RouteStore;
  /** Whose turn it is on each round-robin route. */
  readonly turns: Turns;
  /** Who is away, for round-robin routes to skip. */
  readonly away: AwayList;
  /** Creates the tables and queues that are missing; safe to call from every instance. */
  ensureCreated(): Promise<void>;
  /** Resolves when the account answers; for readiness probes. */
  checkReachable(): Promise<void>;
}

/** As quick as the table retries in open-table.ts, for the same reason. */
const QUEUE_RETRIES = { maxTries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 1000, tryTimeoutInMs: 10_000 };

export function openStorage(settings: StorageSettings): Storage {
  const leadsTable = openTable(settings.connectionString, `${settings.namePrefix}leads`);
  const state = openTable(settings.connectionString, `${settings.namePrefix}state`);
  const deadLetterTable = openTable(settings.connectionString, `${settings.namePrefix}deadletters`);
  const installationTable = openTable(settings.connectionString, `${settings.namePrefix}installations`);
  const deliveryTable = openTable(settings.connectionString, `${settings.namePrefix}deliveries`);
  const credentialTable = openTable(settings.connectionString, `${settings.namePrefix}credentials`);
  const mailTable = openTable(settings.connectionString, `${settings.namePrefix}mails`);
  const routeTable = openTable(settings.connectionString, `${settings.namePrefix}routes`);
  const queue = new QueueClient(expandConnectionString(settings.connectionString), `${settings.namePrefix}-leads`, { retryOptions: QUEUE_RETRIES });
  const waitingQueue = new QueueClient(expandConnectionString(settings.connectionString), `${settings.namePrefix}-leads-waiting`, { retryOptions: QUEUE_RETRIES });

  return {
    leads: new LeadStore(leadsTable),
    leadQueue: new LeadQueue(queue),
    waitingQueue: new LeadQueue(waitingQueue),
    state,
    deadLetterTable,
    installationTable,
    deliveryTable,
    credentialTable,
    mailTable,
    routes: new RouteStore(routeTable),
    turns: new Turns(state),
    away: new AwayList(state),
    async ensureCreated() {
      await Promise.all([
        ...[leadsTable, state, deadLetterTable, installationTable, deliveryTable, credentialTable, mailTable, routeTable].map((t) => t.createTable()),
        queue.createIfNotExists(),
        waitingQueue.createIfNotExists(),
      ]);
    },
    async checkReachable() {
      await Promise.all([leadsTable.listEntities({ queryOptions: { select: ['PartitionKey'] } }).byPage({ maxPageSize: 1 }).next(), queue.getProperties()]);
    },
  };
}
