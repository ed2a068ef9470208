import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { TlsFiles } from './tls';

/** One telemetry item as Application Insights' ingestion API takes it. */
export interface Envelope {
  readonly name: string;
  readonly iKey: string;
  readonly tags?: Record<string, string>;
  readonly data: { readonly baseType: string; readonly baseData: Record<string, unknown> & { properties?: Record<string, string> } };
}

export interface AppInsightsCollector {
  /** For IngestionEndpoint= in a connection string. */
  readonly url: string;
  readonly envelopes: readonly Envelope[];
  /** Every request body as received (after gzip), to search for what must never be sent. */
  readonly bodies: readonly string[];
  stop(): Promise<void>;
}

/**
 * Application Insights' ingestion endpoint on loopback: `POST /v2.1/track` with a JSON array of
 * envelopes (gzip or not), answered as the service does when it accepts them all.
 */
export async function startAppInsightsCollector(tls: TlsFiles): Promise<AppInsightsCollector> {
  const envelopes: Envelope[] = [];
  const bodies: string[] = [];
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v2.1/track') {
        res.statusCode = 404;
        res.end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      bodies.push(text);
      const items = JSON.parse(text) as Envelope[];
      envelopes.push(...items);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/`,
    envelopes,
    bodies,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
