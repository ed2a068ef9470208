/**
 * `npm run bench`: how fast leads are accepted durably (stored + queued, answered 2xx) over
 * HTTP against Azurite, next to Azurite's own raw insert rate measured in the same run, so
 * the intake's overhead reads as a ratio rather than a number that depends on the machine.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type AppDeps } from '../src/app';
import { loadSettings } from '../src/config/settings';
import { createLogger } from '../src/logging/create-logger';
import { openTable } from '../src/storage/open-table';
import { startAppInsightsCollector } from '../emulators/app-insights-collector';
import type { Azurite } from '../emulators/azurite';
import { startLocalStack } from '../emulators/local-stack';
import { measureWriteRate } from './pipeline-benchmark';
import { measureAlarm, measureReminderCheck } from './reminders-benchmark';
import { measureFanOut, measureLeadToCard, measureValidate } from './teams-benchmark';

const LEADS = Number(process.env.BENCH_LEADS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Marketplace leads arrive a few per minute; this is a floor with a wide margin. */
const TARGET_LEADS_PER_SECOND = 100;

const sample = JSON.parse(
  readFileSync(join(__dirname, '..', 'test', 'fixtures', 'marketplace', 'https-appsource-contact-me.json'), 'utf8'),
) as { UserDetails: Record<string, string> };

async function timed(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

async function main(): Promise<void> {
  // Azurite alone: each measurement below starts the stand-ins it needs on top of it.
  const stack = await startLocalStack();
  const azurite = stack.azurite as Azurite;
  try {
    const raw = openTable(azurite.connectionString, 'benchraw');
    await raw.createTable();
    const entity = (i: number) => ({ partitionKey: `p${i}`, rowKey: 'lead', ...sample.UserDetails, description: 'x'.repeat(100) });
    const rawSequential = await timed(LEADS, 1, (i) => raw.createEntity(entity(i)).then(() => undefined));
    const rawConcurrent = await timed(LEADS, CONCURRENCY, (i) => raw.createEntity(entity(LEADS + i)).then(() => undefined));

    const intake = async (env: Record<string, string> = {}, deps: Partial<AppDeps> = {}): Promise<{ sequential: number; concurrent: number }> => {
      const settings = loadSettings({
        ...stack.settings,
        STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`,
        LEAD_INTAKE_KEY: randomBytes(18).toString('base64url'),
        LOG_LEVEL: 'silent',
        // Intake only: the worker does not run, so nothing is written anywhere.
        ...env,
      });
      const app = createApp(settings, { logger: createLogger('silent'), backgroundWork: false, ...deps });
      const { url } = await app.start(0, '127.0.0.1');
      const post = async (i: number): Promise<void> => {
        const lead = { ...sample, UserDetails: { ...sample.UserDetails, Email: `buyer${i}@bench.example` } };
        const response = await fetch(`${url}/api/leads?code=${settings.intake.key}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(lead),
        });
        if (response.status !== 202) throw new Error(`lead ${i} answered ${response.status}`);
        await response.arrayBuffer();
      };
      const sequential = await timed(LEADS, 1, (i) => post(i));
      const concurrent = await timed(LEADS, CONCURRENCY, (i) => post(LEADS + i));
      await app.stop();
      return { sequential, concurrent };
    };
    const { sequential: intakeSequential, concurrent: intakeConcurrent } = await intake();
    // The same with Application Insights on: a request span and a counter per lead, exported to a
    // loopback ingestion endpoint (metrics every second, far more often than the default minute).
    const collector = await startAppInsightsCollector(stack.tls);
    const monitored = await intake(
      { APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${collector.url}` },
      { trustedCertificates: stack.tls.cert, metricExportMs: 1000 },
    );
    await collector.stop();

    const rows = [
      ['Azurite raw createEntity, sequential', rawSequential],
      [`Azurite raw createEntity, ${CONCURRENCY} concurrent`, rawConcurrent],
      ['Intake POST /api/leads (store + queue), sequential', intakeSequential],
      [`Intake POST /api/leads (store + queue), ${CONCURRENCY} concurrent`, intakeConcurrent],
      [`Intake, ${CONCURRENCY} concurrent, exporting to Application Insights`, monitored.concurrent],
    ] as const;
    process.stdout.write(`\nLead intake benchmark: ${LEADS} leads per row, Node ${process.version}\n\n`);
    for (const [name, rate] of rows) process.stdout.write(`  ${name.padEnd(72)} ${rate.toFixed(0).padStart(6)} /s\n`);
    process.stdout.write(
      `\n  Intake vs raw insert (concurrent): ${(intakeConcurrent / rawConcurrent).toFixed(2)}x ` +
        `(each lead is one insert, one queue message and one update)\n` +
        `  Application Insights on vs off (concurrent): ${(monitored.concurrent / intakeConcurrent).toFixed(2)}x; ` +
        `${collector.envelopes.filter((e) => e.data.baseType === 'RequestData').length} request items received\n` +
        `  Peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process: bench client and bot together)\n`,
    );

    const writes = Number(process.env.BENCH_WRITES ?? 300);
    const free = await measureWriteRate(azurite, writes);
    const limited = await measureWriteRate(azurite, writes, { maxRequests: 50, windowMs: 1000, retryAfterSeconds: 1 });
    process.stdout.write(
      `\nDynamics writes: ${writes} queued leads per row, one instance (DYNAMICS_MAX_CONCURRENCY 8)\n\n` +
        `  ${'Written into the Dataverse emulator, no throttling'.padEnd(72)} ${free.rate.toFixed(0).padStart(6)} /s\n` +
        `  ${'Written, emulator throttling past 50 requests/s (429 + Retry-After 1)'.padEnd(72)} ${limited.rate.toFixed(0).padStart(6)} /s  (${limited.throttled} answers were 429)\n`,
    );

    const single = Number(process.env.BENCH_CARDS ?? 100);
    const latency = await measureLeadToCard(azurite, single);
    const down = await measureLeadToCard(azurite, Math.min(single, 30), { dynamicsDown: true });
    const validate = await measureValidate(azurite, 10);
    const fanOut = await Promise.all([30, 50].map(async (rate) => ({ rate, ...(await measureFanOut(azurite, 200, rate)) })));
    process.stdout.write(
      `\nTeams: lead cards through the Bot Connector emulator (Teams' limits: 50/s per app; per chat 7 in 1 s, 8 in 2 s, 60 in 30 s)\n\n` +
        `  ${'Lead to card, the first lead after start (signs in to Dynamics)'.padEnd(72)} ${latency.first.toFixed(0)} ms\n` +
        `  ${`Lead to card, ${single} more single leads one after another (p50 / p99 / max)`.padEnd(72)} ${latency.p50.toFixed(0)} / ${latency.p99.toFixed(0)} / ${latency.max.toFixed(0)} ms\n` +
        `  ${`Lead to card, Dynamics answering 503 throughout (p50 / p99 / max of ${String(Math.min(single, 30))})`.padEnd(72)} ${down.p50.toFixed(0)} / ${down.p99.toFixed(0)} / ${down.max.toFixed(0)} ms` +
        `  (${(down.p50 / latency.p50).toFixed(1)}x; the card waits at most 1 s for Dynamics)\n` +
        `  ${'validate, typed until the report says all checks passed (p50 / max of 10, 2 s apart)'.padEnd(72)} ${validate.p50.toFixed(0)} / ${validate.max.toFixed(0)} ms\n` +
        fanOut
          .map((f) => `  ${`One lead to 200 contacts, TEAMS_MESSAGES_PER_SECOND=${f.rate}`.padEnd(72)} ${f.seconds.toFixed(1).padStart(6)} s  (peak ${f.peak}/s, ${f.throttled} answers were 429)\n`)
          .join(''),
    );

    const check = await measureReminderCheck(azurite);
    const alarm = await measureAlarm(azurite);
    process.stdout.write(
      `\nReminders and the alarm (Azurite, two admins in Teams through the Bot Connector emulator)\n\n` +
        `  ${'A reminder check with nothing due, 3 credentials (p50 / max of 20)'.padEnd(72)} ${check.quietP50.toFixed(0)} / ${check.quietMax.toFixed(0)} ms\n` +
        `  ${`A reminder check sending 3 reminders to 2 admins (${check.sent} cards)`.padEnd(72)} ${check.due.toFixed(0)} ms\n` +
        `  ${'Expired secret: lead POSTed until both admins have the alarm card'.padEnd(72)} ${alarm.toFixed(0)} ms\n`,
    );

    const ok = intakeConcurrent >= TARGET_LEADS_PER_SECOND;
    process.stdout.write(`\n  Target: >= ${TARGET_LEADS_PER_SECOND} leads/s accepted durably: ${ok ? 'met' : 'NOT MET'}\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
