import { randomBytes } from 'node:crypto';
import { CardFactory } from 'botbuilder';
import { createApp, type App } from '../src/app';
import { leadCard } from '../src/cards/lead-card';
import { loadSettings } from '../src/config/settings';
import { parseHttpsLead } from '../src/leads/parse-https-lead';
import { createLogger } from '../src/logging/create-logger';
import { inConversation } from '../src/teams/proactive';
import type { Azurite } from '../emulators/azurite';
import type { BotConnectorEmulator } from '../emulators/bot-connector';
import { startLocalStack } from '../emulators/local-stack';
import { seedSellers } from '../test/support/seed-installations';
import { postLead, startBenchStack } from './bench-rig';
import { until, type Figure } from './figures';

/** Teams' bound for one app in one tenant (docs/domain.md): requests per second. */
const TEAMS_PER_SECOND = 50;

interface FanOut {
  readonly seconds: number;
  readonly throttled: number;
  readonly peak: number;
}

/**
 * One lead to `recipients` personal chats, the bot running as `instances` instances on one
 * storage (the lead is alerted by whichever takes it), against a Bot Connector that answers 429
 * past 50 per second for the app: seconds from the POST until every chat has the card.
 */
async function fanOut(azurite: Azurite, recipients: number, instances: number): Promise<FanOut> {
  const { stack, connector, key, settings } = await startBenchStack(azurite, {
    LEAD_CONTACTS: Array.from({ length: recipients }, (_, i) => `seller${String(i)}@contoso.example`).join(';'),
    TEAMS_MESSAGES_PER_SECOND: String(TEAMS_PER_SECOND),
  });
  const apps: App[] = [];
  try {
    for (let i = 0; i < instances; i++) apps.push(createApp(settings, { logger: createLogger('silent'), trustedCertificates: stack.tls.cert }));
    const [first] = apps;
    if (first === undefined) throw new Error('no instance');
    await first.storage.ensureCreated();
    await seedSellers(first.installations, connector.serviceUrl, recipients);
    const urls = await Promise.all(apps.map((app) => app.start(0, '127.0.0.1')));
    // The lead finds the deployment as it usually is: each instance signed in to Dynamics, and
    // holding its idle share of the budget.
    await Promise.all(apps.map((app) => app.dynamics.whoAmI()));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const started = performance.now();
    await postLead({ url: urls[0]?.url ?? '', key }, 0);
    await until(() => new Set(connector.delivered.map((d) => d.conversationId)).size >= recipients, 180_000);
    return { seconds: (performance.now() - started) / 1000, throttled: connector.throttled, peak: connector.peakPerSecond() };
  } finally {
    for (const app of apps) await app.stop();
    await stack.stop();
  }
}

/**
 * The same card to the same chats the way the Teams Toolkit's notification template sends it: a
 * loop that awaits each send in turn (`for (const target of installations) await
 * target.sendAdaptiveCard(card)`), no pacing, the Bot Framework client retrying what Teams refuses.
 */
async function sendToEach(azurite: Azurite, recipients: number): Promise<FanOut> {
  const stack = await startLocalStack({ storage: { connectionString: azurite.connectionString }, teams: { appPerSecond: TEAMS_PER_SECOND } });
  const connector = stack.connector as BotConnectorEmulator;
  const settings = loadSettings({ ...stack.settings, STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`, LEAD_INTAKE_KEY: randomBytes(18).toString('base64url') });
  const app = createApp(settings, { logger: createLogger('silent'), backgroundWork: false });
  try {
    await app.storage.ensureCreated();
    await seedSellers(app.installations, connector.serviceUrl, recipients);
    const lead = { ...parseHttpsLead({ UserDetails: { FirstName: 'Dana', LastName: 'Buyer', Email: 'dana@fabrikam.example' }, LeadSource: 'AppSource-PLT|contoso.sales', OfferTitle: 'Contoso Sales' }), id: 'lead', origin: 'https' as const, receivedAt: new Date().toISOString() };
    const card = CardFactory.adaptiveCard(leadCard({ lead, dynamics: { state: 'pending', reason: 'writing' } }, settings.reader));
    const started = performance.now();
    for (const target of await app.installations.list()) {
      await inConversation(app.bot.adapter, settings.bot?.id ?? '', target.reference, (context) => context.sendActivity({ attachments: [card] }));
    }
    return { seconds: (performance.now() - started) / 1000, throttled: connector.throttled, peak: connector.peakPerSecond() };
  } finally {
    await app.stop();
    await stack.stop();
  }
}

export async function budgetFigures(azurite: Azurite): Promise<Figure[]> {
  const recipients = Number(process.env.BENCH_RECIPIENTS ?? 1000);
  const bound = { name: `${String(recipients)} at Teams' ${String(TEAMS_PER_SECOND)}/s`, value: recipients / TEAMS_PER_SECOND };
  const figures: Figure[] = [];
  for (const instances of [1, 2]) {
    const run = await fanOut(azurite, recipients, instances);
    figures.push({
      name: `One lead to ${String(recipients)} contacts, ${instances === 1 ? 'one instance' : 'two instances sharing the budget'}`,
      value: run.seconds,
      unit: 's',
      baseline: bound,
      target: { kind: 'ratio-at-most', limit: 1.05 },
      note: `${String(run.throttled)} answers were 429 (target 0); peak ${String(run.peak)} in one second`,
    });
    figures.push({ name: `  429 answers, ${String(instances)} instance(s)`, value: run.throttled, unit: '', target: { kind: 'at-most', limit: 0 } });
  }
  const loop = await sendToEach(azurite, recipients);
  figures.push({ name: `The same ${String(recipients)} cards sent in a loop, each awaited (the Teams Toolkit notification template)`, value: loop.seconds, unit: 's', baseline: bound, note: `${String(loop.throttled)} answers were 429; peak ${String(loop.peak)} in one second` });
  return figures;
}
