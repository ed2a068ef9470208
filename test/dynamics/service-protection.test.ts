import { randomUUID } from 'node:crypto';
import { Response } from 'undici';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { mapLead } from '../../src/dynamics/map-lead';
import { createHttpTransport, type HttpTransport } from '../../src/http/http-transport';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixture } from '../support/fixtures';
import { sharedServices, startDataverse } from '../support/shared-services';
import { dataverseClient } from '../support/dataverse-client';

describe("Dataverse's service protection, as one sign-in meets it", () => {
  let dv: DataverseEmulator;
  let transport: HttpTransport;
  beforeAll(async () => {
    dv = await startDataverse();
    transport = createHttpTransport({ trustedCertificates: sharedServices().tls.cert });
  });
  afterAll(async () => {
    await transport.close();
    await dv.stop();
  });

  it('holds every request back for the Retry-After of one 429, then resumes one at a time, widening as answers come', async () => {
    // Two at once: most writes wait for a slot, so some are given one after the first 429 was read.
    // Timed on the bot's side, as it sends and reads: a loaded machine may hand a request to the
    // emulator hundreds of ms after it left, which says nothing of when the bot chose to send it.
    const sends: { sentAt: number; readAt: number; status: number }[] = [];
    const timed: HttpTransport = {
      msalNetwork: transport.msalNetwork,
      close: () => transport.close(),
      fetch: async (url, init) => {
        const sentAt = Date.now();
        const response = await transport.fetch(url, init);
        const text = await response.text();
        if (init?.method === 'POST') sends.push({ sentAt, readAt: Date.now(), status: response.status });
        // A 204 (what a create answers) carries no body, not even an empty one.
        return new Response(response.status === 204 ? null : text, { status: response.status, headers: response.headers });
      },
    };
    const client = dataverseClient(dv, transport, { env: { DYNAMICS_MAX_CONCURRENCY: '2' }, retry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 5_000 }, requests: timed });
    dv.faults.latencyMs = 60;
    dv.faults.throttle = { maxRequests: 6, windowMs: 1_000, retryAfterSeconds: 1 };
    const lead = parseHttpsLead(fixture('https-appsource-contact-me'));
    await Promise.all(Array.from({ length: 16 }, () => client.createLead({ ...mapLead({ ...lead, id: randomUUID(), origin: 'https', receivedAt: new Date().toISOString() }, 8), leadid: randomUUID() })));
    dv.faults.clear();

    // Each lead written once: nothing but the 16 creates and the 429s (a create sent again would answer 412).
    expect(sends.filter((s) => s.status === 204)).toHaveLength(16);
    expect(sends.filter((s) => s.status !== 204 && s.status !== 429)).toEqual([]);
    const refusals = sends.filter((s) => s.status === 429);
    if (refusals.length === 0) throw new Error('the emulator throttled');
    const firstRead = Math.min(...refusals.map((s) => s.readAt));
    // Nothing was sent during the wait Dataverse asked for, once the bot had read the 429 (200 ms
    // allowed for the answers read around it, on a loaded machine)...
    expect(sends.filter((s) => s.sentAt > firstRead + 200 && s.sentAt < firstRead + 990)).toEqual([]);
    // ...and after it, one request alone first: the next went only once it was answered.
    const [first, second] = sends.filter((s) => s.sentAt >= firstRead + 990).sort((a, b) => a.sentAt - b.sentAt);
    if (first === undefined || second === undefined) throw new Error('writes resumed after the wait');
    expect(second.sentAt).toBeGreaterThanOrEqual(first.readAt);
  });
});

describe('how many requests one instance sends Dataverse at once', () => {
  let transport: HttpTransport;
  beforeAll(() => {
    transport = createHttpTransport({ trustedCertificates: sharedServices().tls.cert });
  });
  afterAll(async () => {
    await transport.close();
  });

  /** 40 leads written at once, each request taking 50 ms: the most Dataverse saw in flight. */
  const peakWith = async (dopHint: number, maxConcurrency: string): Promise<number> => {
    const dv = await startDataverse();
    try {
      dv.faults.dopHint = dopHint;
      dv.faults.latencyMs = 50;
      const client = dataverseClient(dv, transport, { env: { DYNAMICS_MAX_CONCURRENCY: maxConcurrency } });
      // One answer first, as a worker's first write: it carries the hint.
      const lead = parseHttpsLead(fixture('https-appsource-contact-me'));
      const write = (): Promise<unknown> => client.createLead({ ...mapLead({ ...lead, id: randomUUID(), origin: 'https', receivedAt: new Date().toISOString() }, 8), leadid: randomUUID() });
      await write();
      // Widening by one per answer from the first degree: four rounds of 40 writes reach the ceiling.
      for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 40 }, write));
      return dv.maxInFlight;
    } finally {
      await dv.stop();
    }
  };

  it("follows the degree of parallelism Dataverse recommends (x-ms-dop-hint), up to DYNAMICS_MAX_CONCURRENCY", async () => {
    expect(await peakWith(3, '52')).toBe(3);
    expect(await peakWith(24, '52')).toBe(24);
    expect(await peakWith(24, '10')).toBe(10);
  });
});
