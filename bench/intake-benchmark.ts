import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { createApp, type AppDeps } from '../src/app';
import { loadSettings } from '../src/config/settings';
import { expandConnectionString } from '../src/config/parse-connection-string';
import { createLogger } from '../src/logging/create-logger';
import { openTable } from '../src/storage/open-table';
import { startAppInsightsCollector } from '../emulators/app-insights-collector';
import type { Azurite } from '../emulators/azurite';
import type { LocalStack } from '../emulators/local-stack';
import { percentile, timed, type Figure } from './figures';

const LEADS = Number(process.env.BENCH_LEADS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Raw and intake runs alternate, so a store that slows as it fills weighs on both alike. */
const ROUNDS = 3;

const sample = JSON.parse(
  readFileSync(join(__dirname, '..', 'test', 'fixtures', 'marketplace', 'https-appsource-contact-me.json'), 'utf8'),
) as { UserDetails: Record<string, string> };

interface Run {
  readonly rate: number;
  readonly p99: number;
}

/**
 * The floor: the same Azurite doing what a durable lead needs, a lead-sized row and a queue
 * message, at the same concurrency, with the same SDK clients, and no bot.
 */
async function rawPairs(azurite: Azurite, first: number): Promise<Run> {
  const name = `benchraw${randomBytes(3).toString('hex')}`;
  const table = openTable(azurite.connectionString, name);
  const queue = new QueueClient(expandConnectionString(azurite.connectionString), `${name}-leads`);
  await table.createTable();
  await queue.create();
  const { rate, latencies } = await timed(LEADS, CONCURRENCY, async (i) => {
    const id = `lead-${String(first + i)}`;
    await table.createEntity({ partitionKey: id, rowKey: 'lead', ...sample.UserDetails, email: `buyer${String(first + i)}@bench.example`, description: 'x'.repeat(100), status: 'received' });
    await queue.sendMessage(JSON.stringify({ leadId: id }), { messageTimeToLive: -1 });
  });
  return { rate, p99: percentile(latencies, 0.99) };
}

/**
 * Leads POSTed to the intake as Partner Center sends them, until each is answered 202. The bot
 * runs in this process: a process of its own would be a third on two cores, taking CPU from
 * Azurite. The client is node:http with kept-alive connections, lighter than fetch, so the
 * sender's own cost weighs as little as it can on the bot's.
 */
async function intake(stack: LocalStack, first: number, env: Record<string, string> = {}, deps: Partial<AppDeps> = {}): Promise<Run> {
  const settings = loadSettings({
    ...stack.settings,
    STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    LEAD_INTAKE_KEY: randomBytes(18).toString('base64url'),
    LOG_LEVEL: 'silent',
    ...env,
  });
  // Intake only: no worker takes the leads, so the storage does nothing else meanwhile.
  const app = createApp(settings, { logger: createLogger('silent'), backgroundWork: false, ...deps });
  await app.storage.ensureCreated();
  const { url } = await app.start(0, '127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const { rate, latencies } = await timed(LEADS, CONCURRENCY, async (i) => {
      const lead = { ...sample, UserDetails: { ...sample.UserDetails, Email: `buyer${String(first + i)}@bench.example` } };
      const status = await post(`${url}/api/leads?code=${settings.intake.key}`, JSON.stringify(lead), agent);
      if (status !== 202) throw new Error(`lead ${String(i)} answered ${String(status)}`);
    });
    return { rate, p99: percentile(latencies, 0.99) };
  } finally {
    agent.destroy();
    await app.stop();
  }
}

function post(url: string, body: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.once('end', () => { resolve(res.statusCode ?? 0); });
    });
    req.once('error', reject);
    req.end(body);
  });
}

function median(runs: readonly Run[], of: (r: Run) => number): number {
  return percentile(runs.map(of), 0.5);
}

/** Leads accepted durably (stored, queued, answered 202) against the raw rate of the same two writes. */
export async function intakeFigures(stack: LocalStack): Promise<Figure[]> {
  const azurite = stack.azurite as Azurite;
  const raw: Run[] = [];
  const bot: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await rawPairs(azurite, round * LEADS));
    bot.push(await intake(stack, round * LEADS));
  }
  // The same with Application Insights on: a request span and a counter per lead, exported to a
  // loopback ingestion endpoint (metrics every second, far more often than the default minute).
  const collector = await startAppInsightsCollector(stack.tls);
  const monitored = await intake(
    stack,
    ROUNDS * LEADS,
    { APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${collector.url}` },
    { trustedCertificates: stack.tls.cert, metricExportMs: 1000 },
  );
  await collector.stop();

  const rawRate = median(raw, (r) => r.rate);
  const botRate = median(bot, (r) => r.rate);
  const floor = { name: `Azurite alone: row + queue message, ${String(CONCURRENCY)} at a time`, value: rawRate };
  return [
    { name: `Intake: leads accepted durably, ${String(CONCURRENCY)} at a time (median of ${String(ROUNDS)})`, value: botRate, unit: '/s', baseline: floor, target: { kind: 'ratio-at-least', limit: 0.8 } },
    { name: 'Intake: p99 from POST to 202', value: median(bot, (r) => r.p99), unit: 'ms', baseline: { name: 'p99 of the raw pair', value: median(raw, (r) => r.p99) } },
    { name: 'Intake with Application Insights exporting', value: monitored.rate, unit: '/s', baseline: { name: 'intake without it', value: botRate }, note: `${String(collector.envelopes.filter((e) => e.data.baseType === 'RequestData').length)} request items received` },
  ];
}
