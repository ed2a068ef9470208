import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { INTAKE_KEY, queuedLeadIds, startTestApp, type TestApp } from './support/test-app';

// Property-based: whatever anyone sends to the bot's two public routes, the answer is a 2xx
// (a lead or an activity taken) or a 4xx that says why in a code and words — never a 5xx, a
// crash, a polluted prototype, or a lead stored that was not acknowledged.

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ''];

/** A body as a hostile or broken sender might write it. */
const body = fc.oneof(
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
  fc.string({ maxLength: 2_000 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
  // Objects with the keys that pollute prototypes, at any depth.
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'UserDetails', 'type').chain((key) =>
    fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(`{"${key}": ${JSON.stringify(value)}, "nested": {"${key}": {"polluted": true}}}`)),
  ),
  // Very deep nesting, and long strings in the fields a lead has.
  fc.integer({ min: 1_000, max: 200_000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.constantFrom('Email', 'Description', 'FirstName').map((field) => Buffer.from(JSON.stringify({ UserDetails: { [field]: 'x'.repeat(40_000) }, [field]: ['a', 'b'] }))),
);

interface Sent {
  readonly status: number;
  readonly body: string;
}

async function send(url: string, bytes: Buffer, contentType: string, encoding?: string): Promise<Sent> {
  const headers: Record<string, string> = contentType === '' ? {} : { 'content-type': contentType };
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  const response = await fetch(url, { method: 'POST', headers, body: encoding === 'gzip' ? gzipSync(bytes) : bytes });
  return { status: response.status, body: await response.text() };
}

/** A refusal the sender can act on: 4xx, with a code and a message. */
function isClearRefusal(answer: Sent): boolean {
  if (answer.status < 400 || answer.status >= 500) return false;
  const parsed = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
  return typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string' && parsed.error.message.length > 10;
}

describe('hostile input to the public routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LEAD_MAX_BODY_BYTES: String(256 * 1024) });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('POST /api/leads: a lead taken (2xx) or a clear 4xx, never a 5xx; only what was acknowledged is stored', async () => {
    const accepted = new Set<string>();
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...CONTENT_TYPES), fc.constantFrom(undefined, undefined, 'gzip', 'br'), async (bytes, type, encoding) => {
        const answer = await send(`${t.url}/api/leads?code=${INTAKE_KEY}`, bytes, type, encoding);
        if (answer.status === 200 || answer.status === 202) {
          accepted.add((JSON.parse(answer.body) as { leadId: string }).leadId);
          return true;
        }
        return isClearRefusal(answer);
      }),
      { numRuns: 150 },
    );
    const queued = new Set<string>();
    for (;;) {
      const batch = await t.queue.receiveMessages({ numberOfMessages: 32 });
      if (batch.receivedMessageItems.length === 0) break;
      for (const m of batch.receivedMessageItems) {
        queued.add((JSON.parse(m.messageText) as { leadId: string }).leadId);
        await t.queue.deleteMessage(m.messageId, m.popReceipt);
      }
    }
    expect([...queued].sort()).toEqual([...accepted].sort());
    expect(await queuedLeadIds(t.queue)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('POST /api/messages: an activity taken or a clear 4xx, never a 5xx, and the bot still answers after', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...CONTENT_TYPES), fc.constantFrom(undefined, undefined, 'gzip'), async (bytes, type, encoding) => {
        const answer = await send(`${t.url}/api/messages`, bytes, type, encoding);
        return answer.status < 300 || isClearRefusal(answer);
      }),
      { numRuns: 150 },
    );
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
