import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { QueueClient } from '@azure/storage-queue';
import { createApp, type App, type AppDeps } from '../../src/app';
import { loadSettings, type Settings } from '../../src/config/settings';
import { createLogger } from '../../src/logging/create-logger';
import { expandConnectionString } from '../../src/config/parse-connection-string';
import { dynamicsEnv, sharedServices } from './shared-services';

export const INTAKE_KEY = 'test-intake-key-0123456789';

export interface TestApp {
  readonly app: App;
  readonly settings: Settings;
  readonly url: string;
  /** Every log line the app wrote, as text. */
  readonly logs: string[];
  /** The lead work queue, to look at what was queued. */
  readonly queue: QueueClient;
  stop(): Promise<void>;
}

/** A unique storage prefix, so tests sharing one Azurite never see each other's data. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const connectionString = process.env.TEST_STORAGE_CONNECTION_STRING;
  if (connectionString === undefined) throw new Error('Azurite is not running: the jest global setup starts it');
  return {
    STORAGE_CONNECTION_STRING: connectionString,
    STORAGE_NAME_PREFIX: uniquePrefix(),
    LEAD_INTAKE_KEY: INTAKE_KEY,
    LOG_LEVEL: 'debug',
    // Tests that move the clock by days would run it: those about it turn it on.
    SELF_CHECK_HOURS: '0',
    // Nothing listens there: tests of the pipeline give a Dataverse emulator's URL instead.
    ...dynamicsEnv('https://127.0.0.1:9'),
    ...overrides,
  };
}

/**
 * The real app on a free loopback port, logging into memory. Background work (the pipeline
 * worker, the table importer) runs only when asked for, so tests can look at the queue.
 */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  options: Omit<AppDeps, 'logger'> = {},
  /** A port picked beforehand, when the settings must name the bot's own address (PUBLIC_URL). */
  port = 0,
): Promise<TestApp> {
  const settings = loadSettings(testEnv(env));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = createApp(settings, {
    logger: createLogger(settings.logLevel, sink),
    trustedCertificates: sharedServices().tls.cert,
    backgroundWork: false,
    ...options,
  });
  const { url } = await app.start(port, '127.0.0.1');
  const queue = openLeadQueue(settings);
  return { app, settings, url, logs, queue, stop: () => app.stop() };
}

/** The lead work queue, read directly so tests see what the app queued. */
export function openLeadQueue(settings: Settings, which: 'new' | 'waiting' = 'new'): QueueClient {
  return new QueueClient(expandConnectionString(settings.storage.connectionString), `${settings.storage.namePrefix}-leads${which === 'waiting' ? '-waiting' : ''}`);
}

/** All messages waiting in a queue, without taking them. */
export async function queuedLeadIds(queue: QueueClient): Promise<string[]> {
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => (JSON.parse(m.messageText) as { leadId: string }).leadId);
}

export async function postLead(
  url: string,
  body: unknown,
  options: { key?: string | null; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const key = options.key === undefined ? INTAKE_KEY : options.key;
  const target = key === null ? `${url}/api/leads` : `${url}/api/leads?code=${encodeURIComponent(key)}`;
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
