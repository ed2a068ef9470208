/**
 * The soak: two bot instances sharing one Azurite and one set of stand-ins, leads posted at a
 * steady rate, while everything that can break does — instances SIGKILLed and restarted,
 * Dynamics throttling, failing, stalling and then down for a while, Teams throttling, storage
 * stopped. At the end it checks what was promised to the publisher: every acknowledged lead is
 * in Dynamics once and reached every contact once, within seconds, and nothing secret or
 * personal was logged. `npm run soak` (test/soak/run-soak.ts); a short run is in `npm test`.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP } from '../../emulators/directory';
import { startLocalStack, type LocalStack } from '../../emulators/local-stack';
import type { BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { createApp, type App } from '../../src/app';
import { loadSettings } from '../../src/config/settings';
import { createLogger } from '../../src/logging/create-logger';
import { pollUntil } from '../../src/timing/clock';
import { startBotProcess } from '../support/bot-process';
import { fixture } from '../support/fixtures';
import { seedSellers } from '../support/seed-installations';

export interface SoakOptions {
  /** How long leads are posted and faults injected; the drain comes after. */
  readonly seconds: number;
  readonly leadsPerSecond: number;
  /** Sellers with a chat with the bot; every lead goes to each. */
  readonly contacts: number;
  /** Seeds the random moments and faults, so a failing run can be repeated. */
  readonly seed: number;
  /** Progress lines, as the run goes. */
  readonly say: (line: string) => void;
}

export interface SoakReport {
  readonly options: Omit<SoakOptions, 'say'>;
  readonly posted: number;
  readonly acknowledged: number;
  /** Posts answered with no 2xx (an instance killed mid-request, storage down): retried, as a sender does. */
  readonly refusedPosts: number;
  readonly dynamicsRecords: number;
  readonly cards: number;
  readonly kills: number;
  readonly injected: { readonly dynamicsFailures: number; readonly dynamicsThrottled: number; readonly dynamicsOutageSeconds: number; readonly teamsThrottled: number; readonly storageDownSeconds: number };
  /** Seconds from a lead's 2xx to its card in every contact's chat. */
  readonly ackToCard: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Cards a killed instance had in flight: recorded "sending", never sent twice (see docs/teams.md). */
  readonly inFlightAtKill: number;
  /** Of those, the ones that never reached Teams: the contacts who missed that card. */
  readonly lostInFlight: number;
  readonly deadLetters: number;
  readonly drainSeconds: number;
  /** What broke a promise; empty when the run passed. */
  readonly failures: readonly string[];
}

/** Values that must never be written anywhere but where they belong (see the canary check). */
const SECRETS = { intakeKey: 'soak-canary-intake-key-7f3e9a1c55d2', clientSecret: APP.secret };
const PHONE_CANARY = '+44 20 7946 0991';

/** A small seeded random source (mulberry32): the run's moments and faults, repeatable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Instance {
  child: ChildProcess | undefined;
  url: string | undefined;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const rand = random(options.seed);
  const stack = await startLocalStack({ dynamics: true, teams: { appPerSecond: 50 } });
  const dv = stack.dataverse as DataverseEmulator;
  const connector = stack.connector as BotConnectorEmulator;
  const logLines: string[] = [];
  const instances: Instance[] = [
    { child: undefined, url: undefined },
    { child: undefined, url: undefined },
  ];
  let observer: App | undefined;
  try {
    const env: Record<string, string> = {
      ...stack.settings,
      STORAGE_NAME_PREFIX: 'soak',
      LEAD_INTAKE_KEY: SECRETS.intakeKey,
      // A Dynamics request that stalls is given up after this, and retried.
      DYNAMICS_TIMEOUT_SECONDS: '3',
    };
    observer = createApp(loadSettings(env), { logger: createLogger('silent'), trustedCertificates: stack.tls.cert, backgroundWork: false });
    await observer.storage.ensureCreated();
    const contacts = await seedSellers(observer.installations, connector.serviceUrl, options.contacts);
    const botEnv = { ...env, LEAD_CONTACTS: contacts.join(';') };

    /** Starts an instance, again and again as App Service would, while it cannot start (storage down). */
    const startInstance = async (instance: Instance): Promise<void> => {
      for (let tries = 1; ; tries++) {
        try {
          const started = await startBotProcess(botEnv, { certPath: stack.tls.certPath, onLine: (line) => logLines.push(line) });
          instance.child = started.child;
          instance.url = started.url;
          return;
        } catch (error) {
          if (tries === 30) throw error;
          options.say(`an instance could not start (${error instanceof Error ? error.message : String(error)}); starting it again`);
          await sleep(1_000);
        }
      }
    };
    const killInstance = async (instance: Instance): Promise<void> => {
      const child = instance.child;
      instance.url = undefined;
      instance.child = undefined;
      if (child === undefined || child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    };
    await Promise.all(instances.map(startInstance));
    options.say(`two instances up; posting ${String(options.leadsPerSecond)} leads/s for ${String(options.seconds)} s to ${String(options.contacts)} contacts`);

    const started = Date.now();
    const endsAt = started + options.seconds * 1000;
    const ackedAt = new Map<string, number>();
    let posted = 0;
    let refusedPosts = 0;
    let kills = 0;
    const injected = { dynamicsFailures: 0, dynamicsThrottled: 0, dynamicsOutageSeconds: 0, teamsThrottled: 0, storageDownSeconds: 0 };

    /** A sender as Partner Center is one: it posts the lead until some instance answers 2xx. */
    const post = async (n: number): Promise<void> => {
      const lead = fixture('https-appsource-contact-me') as { UserDetails: Record<string, string> } & Record<string, unknown>;
      const body = JSON.stringify({
        ...lead,
        UserDetails: { ...lead.UserDetails, LastName: `Soak${String(n)}`, Email: `soak.canary.${String(n)}@fabrikam.example`, Phone: PHONE_CANARY },
      });
      posted++;
      for (let attempt = 0; Date.now() < endsAt + 60_000; attempt++) {
        const live = instances.filter((i) => i.url !== undefined);
        const target = live[(n + attempt) % Math.max(live.length, 1)]?.url;
        if (target !== undefined) {
          const answer = await fetch(`${target}/api/leads?code=${SECRETS.intakeKey}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) })
            .then(async (r) => ({ status: r.status, text: await r.text() }))
            .catch(() => undefined);
          if (answer !== undefined) logLines.push(answer.text);
          if (answer !== undefined && answer.status >= 200 && answer.status < 300) {
            const leadId = (JSON.parse(answer.text) as { leadId: string }).leadId;
            if (!ackedAt.has(leadId)) ackedAt.set(leadId, Date.now());
            return;
          }
          refusedPosts++;
        }
        await sleep(500);
      }
    };

    // The faults, each on its own schedule.
    const outageStart = started + options.seconds * 300;
    const outageMs = Math.min(30_000, (options.seconds * 1000) / 3);
    const storageDownAt = started + options.seconds * 600;
    const killTimes = Array.from({ length: Math.max(2, Math.round(options.seconds / 40)) }, () => started + (0.1 + rand() * 0.75) * options.seconds * 1000).sort((a, b) => a - b);
    dv.faults.throttle = { maxRequests: 5, windowMs: 1000, retryAfterSeconds: 1 };

    const until = async (at: number): Promise<void> => {
      await sleep(Math.max(0, at - Date.now()));
    };
    const faults = [
      // Dynamics down once: every request answers 503.
      (async () => {
        await until(outageStart);
        options.say(`Dynamics down for ${String(outageMs / 1000)} s`);
        dv.faults.failNext(Number.MAX_SAFE_INTEGER, 503);
        await until(outageStart + outageMs);
        dv.faults.failNext(0, 503);
        injected.dynamicsOutageSeconds = outageMs / 1000;
        options.say('Dynamics back');
      })(),
      // Storage stopped once, for a few seconds.
      (async () => {
        await until(storageDownAt);
        const azurite = stack.azurite as NonNullable<LocalStack['azurite']>;
        options.say('storage stopped for 4 s');
        await azurite.stop();
        await sleep(4_000);
        await azurite.start();
        injected.storageDownSeconds = 4;
        options.say('storage back');
      })(),
      // Instances SIGKILLed at random moments, each restarted a moment later.
      (async () => {
        for (const at of killTimes) {
          await until(at);
          const victim = instances[Math.floor(rand() * instances.length)] as Instance;
          kills++;
          options.say(`SIGKILL instance ${String(instances.indexOf(victim) + 1)}`);
          await killInstance(victim);
          await sleep(1_000 + rand() * 2_000);
          await startInstance(victim);
          options.say(`instance ${String(instances.indexOf(victim) + 1)} restarted`);
        }
      })(),
      // Every 250 ms: now and then a Dynamics request fails or stalls; Teams squeezed every 15 s for 3 s.
      (async () => {
        while (Date.now() < endsAt) {
          const outage = Date.now() >= outageStart && Date.now() < outageStart + outageMs;
          if (!outage && rand() < 0.1) {
            dv.faults.failNext(1, rand() < 0.5 ? 500 : 503);
            injected.dynamicsFailures++;
          } else if (!outage && rand() < 0.03) {
            // A stall past DYNAMICS_TIMEOUT_SECONDS: the bot gives the request up and retries.
            dv.faults.stallNext(1, 4_000);
            injected.dynamicsFailures++;
          }
          const sinceStart = Date.now() - started;
          connector.appPerSecond = sinceStart > 5_000 && sinceStart % 15_000 < 3_000 ? 2 : 50;
          await sleep(250);
        }
      })(),
    ];

    const posts: Promise<void>[] = [];
    for (let n = 0; Date.now() < endsAt; n++) {
      posts.push(post(n));
      const due = started + ((n + 1) * 1000) / options.leadsPerSecond;
      await sleep(Math.max(0, due - Date.now()));
    }
    await Promise.all(faults);
    await Promise.all(posts);
    dv.faults.clear();
    connector.appPerSecond = 50;
    for (const instance of instances) if (instance.url === undefined) await startInstance(instance);
    options.say(`posting over: ${String(ackedAt.size)} leads acknowledged; draining`);

    // Drain: every acknowledged lead finished, and every contact's card sent or left in flight by a killed instance.
    const drainStart = Date.now();
    const leadIds = [...ackedAt.keys()];
    const finished = async (): Promise<boolean> => {
      for (const leadId of leadIds) {
        const lead = await observer?.storage.leads.get(leadId);
        if (lead?.status !== 'done' && lead?.status !== 'dead-lettered') return false;
        const deliveries = (await observer?.deliveries.forLead(leadId)) ?? [];
        if (deliveries.length < contacts.length || deliveries.some((d) => d.status === 'failed')) return false;
      }
      return true;
    };
    await pollUntil(() => finished().catch(() => false), (done) => done, { everyMs: 1_000, timeoutMs: 180_000 });
    const drainSeconds = (Date.now() - drainStart) / 1000;

    // What happened, read from the stand-ins (what Teams and Dynamics saw) and from storage.
    const failures: string[] = [];
    const cardsByLead = new Map<string, Map<string, number[]>>();
    const ids = new Set(leadIds);
    for (const d of connector.delivered.filter((one) => one.method === 'POST')) {
      const leadId = /"leadId":"([0-9a-f-]{36})"/.exec(JSON.stringify(d.activity))?.[1];
      if (leadId === undefined) continue;
      if (!ids.has(leadId)) failures.push(`a card for a lead never acknowledged: ${leadId}`);
      const byChat = cardsByLead.get(leadId) ?? new Map<string, number[]>();
      byChat.set(d.conversationId, [...(byChat.get(d.conversationId) ?? []), d.at]);
      cardsByLead.set(leadId, byChat);
    }
    let inFlightAtKill = 0;
    let lostInFlight = 0;
    const latencies: number[] = [];
    for (const leadId of leadIds) {
      const lead = await observer.storage.leads.get(leadId);
      if (lead?.status !== 'done') failures.push(`lead ${leadId} ended ${lead?.status ?? 'missing'}, not done`);
      const record = dv.leads.get(leadId);
      if (record === undefined) failures.push(`lead ${leadId} is not in Dynamics`);
      const deliveries = await observer.deliveries.forLead(leadId);
      const byChat = cardsByLead.get(leadId) ?? new Map<string, number[]>();
      let last = 0;
      for (const delivery of deliveries) {
        const cards = byChat.get(delivery.conversationId) ?? [];
        if (cards.length > 1) failures.push(`lead ${leadId}: ${String(cards.length)} cards in ${delivery.conversationId}`);
        if (delivery.status === 'sending') {
          inFlightAtKill++;
          if (cards.length === 0) lostInFlight++;
        }
        else if (delivery.status !== 'sent' || cards.length !== 1) failures.push(`lead ${leadId}: ${delivery.conversationId} ${delivery.status} with ${String(cards.length)} cards${delivery.error === undefined ? '' : ` (${delivery.error})`}`);
        last = Math.max(last, cards[0] ?? 0);
      }
      if (deliveries.length !== contacts.length) failures.push(`lead ${leadId}: ${String(deliveries.length)} of ${String(contacts.length)} contacts served`);
      latencies.push((last - (ackedAt.get(leadId) ?? last)) / 1000);
    }
    const records = [...dv.leads.values()];
    const lastNames = records.map((r) => String(r.lastname));
    if (new Set(lastNames).size !== lastNames.length) failures.push(`Dynamics holds a lead twice: ${String(lastNames.length - new Set(lastNames).size)} duplicates`);
    if (records.length !== leadIds.length) failures.push(`Dynamics holds ${String(records.length)} leads for ${String(leadIds.length)} acknowledged`);
    const deadLetters = (await observer.deadLetters.list()).length;
    if (deadLetters > 0) failures.push(`${String(deadLetters)} dead letters, with no permanent fault injected`);
    failures.push(...canaryFindings(logLines));
    // Cards carry the lead's e-mail and phone (that is their job), never a secret.
    failures.push(...canaryFindings(connector.delivered.map((d) => JSON.stringify(d.activity))).filter((finding) => !finding.startsWith("a lead's")));
    // Every line the instances wrote, for reading a failing run: SOAK_LOG=/tmp/soak.log npm run soak.
    if (process.env.SOAK_LOG !== undefined) writeFileSync(process.env.SOAK_LOG, logLines.join('\n'));
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    if (at(1) > 30) failures.push(`a lead reached its last contact ${at(1).toFixed(1)} s after its 2xx (promise: within 30 s, whatever broke)`);
    if (leadIds.length === 0) failures.push('no lead was acknowledged');
    injected.dynamicsThrottled = dv.requests.filter((r) => r.status === 429).length;
    injected.teamsThrottled = connector.throttled;

    return {
      options: { seconds: options.seconds, leadsPerSecond: options.leadsPerSecond, contacts: options.contacts, seed: options.seed },
      posted,
      acknowledged: leadIds.length,
      refusedPosts,
      dynamicsRecords: records.length,
      cards: [...cardsByLead.values()].reduce((sum, byChat) => sum + [...byChat.values()].reduce((s, c) => s + c.length, 0), 0),
      kills,
      injected,
      ackToCard: { p50: at(0.5), p99: at(0.99), max: at(1) },
      inFlightAtKill,
      lostInFlight,
      deadLetters,
      drainSeconds,
      failures,
    };
  } finally {
    for (const instance of instances) instance.child?.kill('SIGKILL');
    await observer?.stop().catch(() => undefined);
    await stack.stop();
  }
}

/**
 * The canaries: secrets never in a log line or an answer; the lead's e-mail and phone never in a
 * log line (they belong in the card, the mail and Dynamics only).
 */
export function canaryFindings(lines: readonly string[]): string[] {
  const findings: string[] = [];
  const canaries: [string, string][] = [
    ['the intake key', SECRETS.intakeKey],
    ['the Dynamics client secret', SECRETS.clientSecret],
    ["a lead's e-mail", 'soak.canary.'],
    ["a lead's phone", PHONE_CANARY],
  ];
  for (const [what, value] of canaries) {
    const found = lines.find((line) => line.includes(value));
    if (found !== undefined) findings.push(`${what} was written out: ${found.slice(0, 200)}`);
  }
  return findings;
}

export function formatReport(report: SoakReport): string {
  const i = report.injected;
  return [
    `soak: ${String(report.options.seconds)} s at ${String(report.options.leadsPerSecond)} leads/s, ${String(report.options.contacts)} contacts, seed ${String(report.options.seed)}`,
    `  leads posted ${String(report.posted)}, acknowledged ${String(report.acknowledged)} (posts refused or cut off, then retried: ${String(report.refusedPosts)})`,
    `  Dynamics records ${String(report.dynamicsRecords)}; cards ${String(report.cards)}; dead letters ${String(report.deadLetters)}`,
    `  2xx to card in every contact's chat: p50 ${report.ackToCard.p50.toFixed(2)} s, p99 ${report.ackToCard.p99.toFixed(2)} s, max ${report.ackToCard.max.toFixed(2)} s`,
    `  injected: ${String(report.kills)} SIGKILLs; Dynamics ${String(i.dynamicsFailures)} failures or stalls, ${String(i.dynamicsThrottled)} 429s, one ${String(i.dynamicsOutageSeconds)} s outage; Teams ${String(i.teamsThrottled)} 429s; storage down ${String(i.storageDownSeconds)} s`,
    `  cards in flight when an instance was killed (not sent twice): ${String(report.inFlightAtKill)}, of which ${String(report.lostInFlight)} never reached Teams; drain ${report.drainSeconds.toFixed(1)} s`,
    report.failures.length === 0 ? '  PASSED' : `  FAILED:\n${report.failures.map((f) => `    - ${f}`).join('\n')}`,
  ].join('\n');
}
