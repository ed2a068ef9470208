import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { startAppInsightsCollector, type AppInsightsCollector, type Envelope } from '../../emulators/app-insights-collector';
import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, sharedServices, startDataverse } from '../support/shared-services';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedSellers } from '../support/seed-installations';
import { INTAKE_KEY, postLead, startTestApp, type TestApp } from '../support/test-app';

// Each run its own: the exporter keeps batches it could not send under the key, and sends them on the next start.
const IKEY = randomUUID();

/** Where every socket in this process connects while a test runs. */
function watchConnections(): { hosts: string[]; ports: number[]; stop(): void } {
  const hosts: string[] = [];
  const ports: number[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, and called with its socket.
  const connect = net.Socket.prototype.connect;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- connect has many overloads; this only reads them.
  net.Socket.prototype.connect = function (this: net.Socket, ...args: any[]) {
    const first: unknown = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    if (first !== null && typeof first === 'object') {
      const options = first as { host?: string; port?: number; path?: string };
      if (options.path === undefined) {
        hosts.push(options.host ?? 'localhost');
        ports.push(Number(options.port));
      }
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      hosts.push(typeof args[1] === 'string' ? args[1] : 'localhost');
      ports.push(Number(first));
    }
    return connect.apply(this, args as Parameters<typeof connect>);
  } as typeof connect;
  return {
    hosts,
    ports,
    stop: () => {
      net.Socket.prototype.connect = connect;
    },
  };
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

function metric(envelopes: readonly Envelope[], name: string, dimensions: Record<string, string> = {}): number {
  let total = 0;
  for (const e of envelopes.filter((x) => x.data.baseType === 'MetricData')) {
    const properties = e.data.baseData.properties ?? {};
    if (!Object.entries(dimensions).every(([k, v]) => properties[k] === v)) continue;
    for (const m of e.data.baseData.metrics as { name: string; value: number }[]) if (m.name === name) total += m.value;
  }
  return total;
}

describe('Application Insights', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let collector: AppInsightsCollector;
  let t: TestApp | undefined;

  beforeEach(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    collector = await startAppInsightsCollector(sharedServices().tls);
  });
  afterEach(async () => {
    await t?.stop();
    await collector.stop();
    await dv.stop();
    await connector.stop();
  });

  /** A lead through the whole path: a Dynamics write that fails once, three sellers of whom one is gone. */
  async function leadThroughEverything(env: Record<string, string>): Promise<TestApp> {
    const app = await startTestApp(
      { ...dynamicsEnv(dv.url), LEAD_CONTACTS: 'seller0@contoso.example;seller1@contoso.example;seller2@contoso.example', ...env },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, metricExportMs: 200 },
    );
    await seedSellers(app.app.installations, connector.serviceUrl, 3);
    connector.gone.set('a:conversation-2', { status: 403, code: 'BotNotInConversationRoster' });
    dv.faults.failNext(FAST_RETRY.attempts, 503);
    const leadId = (await postLead(app.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => app.app.storage.leads.get(leadId), (l) => l?.status === 'done', 20_000);
    return app;
  }

  it('receives requests, leads processed, deliveries, retries and failures, and nothing secret or personal', async () => {
    const sockets = watchConnections();
    let botUrl = '';
    try {
      t = await leadThroughEverything({ APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=${collector.url}` });
      botUrl = t.url;
      // Stopping flushes what is buffered.
      await t.stop();
      t = undefined;
    } finally {
      sockets.stop();
    }
    const { envelopes } = collector;
    expect(envelopes.every((e) => e.iKey === IKEY)).toBe(true);

    const requests = envelopes.filter((e) => e.data.baseType === 'RequestData').map((e) => e.data.baseData);
    expect(requests).toContainEqual(expect.objectContaining({ name: 'POST /api/leads', responseCode: '202', url: `${botUrl}/api/leads`, success: true }));
    expect(envelopes.find((e) => e.data.baseType === 'RequestData')?.tags?.['ai.cloud.role']).toBe('marketplace-lead-bot');

    expect(metric(envelopes, 'leads.received', { outcome: 'accepted' })).toBe(1);
    expect(metric(envelopes, 'leads.processed', { outcome: 'written' })).toBe(1);
    expect(metric(envelopes, 'leads.deliveries', { outcome: 'sent' })).toBe(2);
    expect(metric(envelopes, 'leads.deliveries', { outcome: 'retired' })).toBe(1);
    expect(metric(envelopes, 'retries', { work: 'dynamics-write' })).toBe(1);
    expect(metric(envelopes, 'failures', { work: 'dynamics-write' })).toBe(1);
    expect(metric(envelopes, 'failures', { work: 'teams-delivery', code: '403' })).toBe(1);

    // The intake key travels in ?code=; the customer's details in the body. Neither leaves.
    const sent = collector.bodies.join('\n');
    expect(sent).not.toContain(INTAKE_KEY);
    expect(sent).not.toContain('dana.whitfield@fabrikam.example');
    expect(sent).not.toContain('Whitfield');
    // Only to the collector and the local services: no usage reports, no metadata probes.
    expect(sockets.hosts.filter((h) => !LOOPBACK.includes(h))).toEqual([]);
  });

  it('sends nothing anywhere without a connection string', async () => {
    const sockets = watchConnections();
    try {
      t = await leadThroughEverything({});
      await t.stop();
      t = undefined;
    } finally {
      sockets.stop();
    }
    expect(collector.bodies).toEqual([]);
    const services = [dv.url, connector.serviceUrl].map((u) => Number(new URL(u).port));
    const collectorPort = Number(new URL(collector.url).port);
    expect(sockets.ports).not.toContain(collectorPort);
    expect(sockets.ports.filter((p) => services.includes(p)).length).toBeGreaterThan(0);
    expect(sockets.hosts.filter((h) => !LOOPBACK.includes(h))).toEqual([]);
  });
});
