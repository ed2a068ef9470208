import { randomUUID } from 'node:crypto';
import restify, { type Server } from 'restify';
import type { Settings } from './config/settings';
import { DataverseClient } from './dynamics/dataverse-client';
import type { RetryPolicy } from './http/retry';
import { dynamicsLeadWriter } from './dynamics/dynamics-lead-writer';
import { createHttpTransport } from './http/http-transport';
import { createTokenSource, describeSignIn, DATAVERSE_SAMPLE_CLIENT_ID, DYNAMICS_FAILURES } from './dynamics/sign-in';
import { registerHealthRoutes } from './health/health-routes';
import { registerIntakeRoute } from './intake/intake-route';
import { TableImporter } from './intake/table-importer';
import type { Logger } from './logging/create-logger';
import { DeadLetters } from './pipeline/dead-letters';
import { escalationsBy, routedAlerts, type AudienceNotifier } from './pipeline/lead-notifier';
import { LeadEscalator } from './pipeline/lead-escalator';
import { DigestScheduler } from './digest/digest-scheduler';
import { SelfCheck } from './validation/self-check';
import { companyDomainOf, isKnown } from './leads/known-customer';
import { EMAIL } from './leads/email';
import type { Route } from './routing/route';
import { allRoutes } from './commands/lead-routes';
import { dynamicsStanding } from './pipeline/dynamics-standing';
import { leadCard } from './cards/lead-card';
import { GraphApp } from './graph/graph-app';
import { registerClaimPage } from './outlook/claim-page';
import { claimKey, ClaimTokens } from './outlook/claim-token';
import { MailLimiter } from './outlook/mail-limiter';
import { MailStore } from './outlook/mail-store';
import { outlookAlerts } from './outlook/outlook-alerts';
import { sendTestMail } from './outlook/test-mail';
import { DEFAULT_WORKER_OPTIONS, LeadWorker, type LeadWorkerOptions } from './pipeline/lead-worker';
import { LeadSweep } from './pipeline/lead-sweep';
import { TurnPasser } from './pipeline/turn-passer';
import { LeadFollowUps } from './pipeline/lead-follow-ups';
import { WaitingLeadsAlarm } from './pipeline/waiting-leads-alarm';
import { openStorage, type Storage } from './storage/storage';
import { createBot, type Bot, type ChannelAuthority } from './teams/bot';
import { registerRoutes } from './teams/routes';
import { cardCopies } from './teams/update-card-copies';
import { DeliveryStore } from './conversations/delivery-store';
import { addressesOf, InstallationStore } from './conversations/installation-store';
import { readerOf } from './conversations/reader-of';
import type { Language, Reader } from './language/language';
import { SendBudget, type ShareBook } from './conversations/send-budget';
import { SendLimiter } from './conversations/send-limiter';
import { teamsEscalations, teamsNotifier } from './teams/teams-notifier';
import { chatAt } from './teams/turn-chat';
import { turnTakers } from './conversations/turn-takers';
import { AppInstaller } from './conversations/app-installer';
import { catchUp } from './teams/catch-up';
import { registerMessagesRoute } from './teams/messages-route';
import { adminMessenger } from './teams/send-to-admins';
import { builtInCredentials } from './reminders/credential';
import { CredentialRegistry } from './reminders/credential-registry';
import { CredentialTracker } from './reminders/credential-tracker';
import { readExpiryFromGraph } from './reminders/read-expiry-from-graph';
import { ReminderScheduler } from './reminders/reminder-scheduler';
import { SignInAlarm, type SignInAlarmDeps } from './pipeline/sign-in-alarm';
import { StorageLease } from './storage/storage-lease';
import { SharedDocument } from './storage/shared-document';
import { startAzureMonitor } from './telemetry/azure-monitor';
import { systemClock, type Clock } from './timing/clock';
import { recordRequests } from './telemetry/record-requests';

export interface AppDeps {
  readonly logger: Logger;
  /** The clock; tests move it. */
  readonly now?: () => Date;
  /** What background loops wait on (the round-robin passer, the table import); tests move it. */
  readonly clock?: Clock;
  /** Set false when a test drives the background work (worker, table import) itself. */
  readonly backgroundWork?: boolean;
  /** PEM certificates to trust beyond the system's (the local services' throwaway one). */
  readonly trustedCertificates?: string;
  /** Who hears about leads in Teams; the bot itself unless a test says otherwise. */
  readonly notifier?: AudienceNotifier;
  /** How Graph requests (mail, installs) are retried; tests shorten the waits. */
  readonly graphRetry?: RetryPolicy;
  /** How long a lead's alert waits for Teams to report an installation it asked Graph for. */
  readonly installWaitMs?: number;
  readonly workerOptions?: Partial<LeadWorkerOptions>;
  readonly dynamicsRetry?: RetryPolicy;
  /** Where Bot Framework channel tokens are checked, when not Microsoft's public cloud. */
  readonly channelAuthority?: ChannelAuthority;
  /** How the alarm waits for waiting leads before saying "recovered"; tests shorten it. */
  readonly alarmDrain?: SignInAlarmDeps['drain'];
  /** Names this instance in leases; random unless a test needs two apps told apart. */
  readonly instanceId?: string;
  /** How often metrics go to Application Insights, when it is set; tests shorten it. */
  readonly metricExportMs?: number;
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
  readonly credentials: CredentialTracker;
  readonly reminders: ReminderScheduler;
  /** Tells the admins when leads wait for Dynamics over 15 minutes, or are dead-lettered. */
  readonly waitingAlarm: WaitingLeadsAlarm;
  /** Queues leads stored but never queued. */
  readonly sweep: LeadSweep;
  /** Passes round-robin leads nobody claimed in time to the next contact. */
  readonly turnPasser: TurnPasser;
  /** Brings sellers' actions on leads (claim, contacted, disqualified) to Dynamics. */
  readonly followUps: LeadFollowUps;
  /** Announces leads nobody claimed again, then to the admins. */
  readonly escalator: LeadEscalator;
  /** Sends the daily digest to the chats that chose it. */
  readonly digest: DigestScheduler;
  /** Runs validate's path every SELF_CHECK_HOURS, telling the admins of failures and recoveries. */
  readonly selfCheck: SelfCheck;
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
  const monitor = settings.telemetry === undefined ? undefined : startAzureMonitor(settings.telemetry, { exportIntervalMs: deps.metricExportMs, trustedCertificates: deps.trustedCertificates });
  // Without Application Insights nothing is recorded at all: no spans, no counters.
  const telemetry = monitor?.telemetry;
  const acceptDeps = {
    leads: storage.leads,
    leadQueue: storage.leadQueue,
    now,
    logger,
    onQueued: () => {
      worker.nudge();
    },
    telemetry,
  };
  const importer =
    settings.tableImport === undefined ? undefined : new TableImporter(settings.tableImport, storage.state, { ...acceptDeps, ...(deps.clock === undefined ? {} : { clock: deps.clock }) });

  const transport = createHttpTransport(deps.trustedCertificates === undefined ? {} : { trustedCertificates: deps.trustedCertificates });
  const tokens = createTokenSource(settings.dynamics, transport, logger);
  const dynamics = new DataverseClient(settings.dynamics, tokens, transport, logger, deps.dynamicsRetry);
  const deadLetters = new DeadLetters(storage.deadLetterTable, storage.leads, storage.leadQueue);
  const installations = new InstallationStore(storage.installationTable);
  const deliveries = new DeliveryStore(storage.deliveryTable);
  // With background work the budget gives the limiter its share (nothing before); tests driving the work themselves have it all.
  const limiter = new SendLimiter(deps.backgroundWork === false ? settings.teamsMessagesPerSecond : 0);
  const bot = createBot(settings.bot, installations, logger, now, settings.teamsTenantId, settings.reader, deps.channelAuthority);
  const botAppId = settings.bot?.id ?? '';
  const admins = adminMessenger({ adapter: bot.adapter, botAppId, installations, settings, limiter, reader: settings.reader, logger });
  const graphUrl = settings.reminders.graphUrl;
  const credentials = new CredentialTracker({
    registry: new CredentialRegistry(storage.credentialTable),
    builtIns: builtInCredentials(settings, DATAVERSE_SAMPLE_CLIENT_ID),
    settings,
    readGraph: graphUrl === undefined ? undefined : (source) => readExpiryFromGraph(source, graphUrl, transport),
    logger,
  });
  const instanceId = deps.instanceId ?? randomUUID();
  // TEAMS_MESSAGES_PER_SECOND is for the app: the instances share it through storage. On the
  // system clock whatever the tests move, like the limiter it paces: a rate is real time.
  const budget = new SendBudget({
    book: new SharedDocument<ShareBook>(storage.state, 'send-budget', 'teams'),
    limiter,
    instanceId,
    total: settings.teamsMessagesPerSecond,
    clock: systemClock,
    logger,
  });
  const reminders = new ReminderScheduler({
    tracker: credentials,
    lease: new StorageLease(storage.state, 'reminders', instanceId, now),
    admins,
    settings,
    logger,
    now,
  });
  const waitingAlarm = new WaitingLeadsAlarm({
    leads: storage.leads,
    deadLetters,
    state: storage.state,
    admins,
    failures: DYNAMICS_FAILURES,
    lease: new StorageLease(storage.state, 'waiting-leads', instanceId, now),
    logger,
    now,
  });
  const sweep = new LeadSweep({
    leads: storage.leads,
    queue: storage.leadQueue,
    waitingQueue: storage.waitingQueue,
    lease: new StorageLease(storage.state, 'lead-sweep', instanceId, now),
    forwardLease: new StorageLease(storage.state, 'waiting-forward', instanceId, now),
    logger,
    now,
  });
  const alarm = new SignInAlarm({ state: storage.state, admins, failures: DYNAMICS_FAILURES, leads: storage.leads, logger, now, ...(deps.alarmDrain === undefined ? {} : { drain: deps.alarmDrain }) });
  // One app for every Graph call (mail, installing the app): one token, one retry policy.
  const graphSettings = settings.outlook?.graph ?? settings.teamsInstall?.graph;
  const graph = graphSettings === undefined ? undefined : new GraphApp(graphSettings, transport, deps.graphRetry);
  const installer = settings.teamsInstall === undefined || graph === undefined ? undefined : new AppInstaller(graph, settings.teamsInstall.catalogAppId, storage.state, now, logger);
  const teamsDeps = {
    adapter: bot.adapter,
    botAppId,
    installations,
    deliveries,
    organisation: settings.teamsTenantId,
    limiter,
    reader: settings.reader,
    logger,
    now,
    telemetry,
    admins,
    installer,
    ...(deps.installWaitMs === undefined ? {} : { installWaitMs: deps.installWaitMs }),
  };
  const teams = deps.notifier ?? teamsNotifier(teamsDeps);
  const routes = (): Promise<readonly Route[]> => allRoutes({ routes: storage.routes, settings });
  const outlook = settings.outlook;
  // Mail recipients as readers: each the language of their chat with the bot, if they have one; the chats read once per send.
  const readers = async (): Promise<(address: string) => Reader> => {
    const personal = (await installations.list()).filter((i) => i.kind === 'personal');
    return (address) => readerOf(personal.find((i) => addressesOf(i).includes(address.toLowerCase())), settings.reader);
  };
  const claimTokens = new ClaimTokens(claimKey(storage.state));
  const mails = outlook === undefined ? undefined : new MailStore(storage.mailTable);
  const mail =
    outlook === undefined || graph === undefined || mails === undefined
      ? undefined
      : outlookAlerts({ graph, settings: outlook, mails, tokens: claimTokens, limiter: new MailLimiter(), readers, logger, now, telemetry });
  const mayTakeTurn = () => turnTakers({ installations, away: storage.away, organisation: settings.teamsTenantId, reachedWithoutChat: mail !== undefined || installer !== undefined, now, timeZone: settings.reader.timeZone });
  const notifier = routedAlerts(teams, mail, {
    routes,
    settings,
    leads: storage.leads,
    mail: outlook?.delivery ?? 'fallback',
    inTurn: async (route) => storage.turns.take(route.name, route.contacts, await mayTakeTurn()),
    logger,
    now,
  });
  const clock = deps.clock === undefined ? {} : { clock: deps.clock };
  const turnPasser = new TurnPasser({ leads: storage.leads, queue: storage.leadQueue, mayTakeTurn, logger, now, ...clock });
  const escalator = new LeadEscalator({
    leads: storage.leads,
    escalations: escalationsBy(teamsEscalations(teamsDeps), mail, admins),
    settings: settings.escalation,
    standing: (lead) => dynamicsStanding(lead, (id) => dynamics.recordUrl(id)),
    refreshCards: (leadId) => copies.refresh(leadId),
    logger,
    now,
    ...clock,
  });
  bot.whenInstalled((chat) =>
    catchUp(chat, {
      ...teamsDeps,
      leads: storage.leads,
      settings,
      routes,
      catchUpHours: settings.catchUpHours,
      mailed: async (leadId, contact) => (await mails?.get(leadId, contact))?.status === 'sent',
      recordUrl: (id) => dynamics.recordUrl(id),
      state: storage.state,
    }),
  );
  const worker = new LeadWorker(
    {
      leads: storage.leads,
      queue: storage.leadQueue,
      waitingQueue: storage.waitingQueue,
      deadLetters,
      writer: dynamicsLeadWriter(dynamics, settings.dynamics.leadSourceCode),
      notifier,
      logger,
      now,
      watcher: alarm,
      telemetry,
      customers: {
        // An address Partner Center left blank or malformed has nothing to look up by.
        find: (lead) => (EMAIL.test(lead.customer.email) ? dynamics.findCustomer(lead.customer.email, companyDomainOf(lead.customer.email, settings.ownDomains), lead.id) : Promise.resolve({})),
        show: async (leadId, known) => {
          await storage.leads.recordKnownCustomer(leadId, known);
          if (isKnown(known)) await copies.refresh(leadId);
        },
      },
      recovered: () => {
        sweep.bringForward().catch((err: unknown) => {
          logger.error({ err }, 'could not queue the leads waiting for Dynamics now; each comes back when its own retry is due');
        });
      },
    },
    { ...DEFAULT_WORKER_OPTIONS, retryMs: settings.pipeline.retryHours * 3_600_000, ...deps.workerOptions },
  );

  const testMail = outlook === undefined || graph === undefined ? undefined : (to: string, language: Language) => sendTestMail(graph, outlook, to, language);
  const chats = { adapter: bot.adapter, botAppId, limiter, installations, reader: settings.reader };
  // A lead's card as stored now: what a refreshed copy shows (a claim, its owner in Dynamics).
  const copies = cardCopies({ ...chats, deliveries, logger }, async (leadId) => {
    const lead = await storage.leads.get(leadId);
    if (lead === undefined) return undefined;
    const standing = dynamicsStanding(lead, (id) => dynamics.recordUrl(id));
    return { card: (reader) => leadCard({ lead, dynamics: standing }, reader), shows: standing.state };
  });
  const followUps = new LeadFollowUps({ leads: storage.leads, dynamics, refreshCards: (leadId) => copies.refresh(leadId), logger, now, ...clock });
  const digest = new DigestScheduler({
    leads: storage.leads,
    installations,
    state: storage.state,
    post: async (chat, card, summary) => {
      await chatAt(chat, chats).say({ card, summary });
    },
    settings,
    logger,
    now,
    ...clock,
  });
  const selfCheck = new SelfCheck({ settings, signIn: tokens, dynamics, installations, routes, admins, state: storage.state, logger, now, ...clock });
  registerRoutes(bot, { settings, leads: storage.leads, installations, deliveries, deadLetters, dynamics, signIn: tokens, worker, cardCopies: copies, followUps, credentials, admins, testMail, mails, installer, routes: storage.routes, away: storage.away, logger, now }, chats);

  const server = restify.createServer({ name: 'marketplace-lead-bot', handleUncaughtExceptions: false });
  let stopping = false;
  // While stopping, each answer closes its connection: a sender on a kept-alive connection must
  // reconnect, and finds the port closed, so the server drains instead of serving it for ever.
  server.pre((_req, res, next) => {
    if (stopping) res.setHeader('connection', 'close');
    next();
  });
  if (telemetry !== undefined) recordRequests(server, telemetry);
  registerHealthRoutes(server, () => storage.checkReachable(), logger);
  registerIntakeRoute(server, settings.intake, acceptDeps);
  registerMessagesRoute(server, bot, logger);
  if (outlook !== undefined) {
    registerClaimPage(server, {
      tokens: claimTokens,
      leads: storage.leads,
      readers,
      reader: settings.reader,
      claimed: async (lead) => {
        followUps.nudge();
        await copies.refresh(lead.id);
      },
      logger,
      now,
    });
  }

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
    credentials,
    reminders,
    waitingAlarm,
    sweep,
    turnPasser,
    followUps,
    escalator,
    digest,
    selfCheck,
    // Without a bot registration nobody outside this machine may talk to the bot: listen on loopback only.
    async start(port = settings.port, host = settings.bot === undefined ? '127.0.0.1' : undefined) {
      await storage.ensureCreated();
      // Its share of Teams' budget before anything can ask it to send.
      if (deps.backgroundWork !== false) await budget.start();
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
        reminders.start();
        waitingAlarm.start();
        sweep.start();
        turnPasser.start();
        followUps.start();
        escalator.start();
        digest.start();
        selfCheck.start();
      }
      const address = server.address();
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      logger.info({ url, dynamics: settings.dynamics.url, signIn: describeSignIn(settings.dynamics, 'en'), tableImport: importer !== undefined }, 'marketplace lead bot listening');
      return { url };
    },
    async stop() {
      stopping = true;
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.server.closeIdleConnections();
      });
      await Promise.all([importer?.stop(), worker.stop(), reminders.stop(), waitingAlarm.stop(), sweep.stop(), turnPasser.stop(), followUps.stop(), escalator.stop(), digest.stop(), selfCheck.stop()]);
      if (deps.backgroundWork !== false) await budget.stop();
      await alarm.stop();
      await transport.close();
      // Last: what the stop itself recorded goes out too.
      await monitor?.shutdown();
    },
  };
}
