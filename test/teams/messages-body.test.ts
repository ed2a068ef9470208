import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { TENANT_ID } from '../../emulators/directory';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

const BOT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/** A Teams message activity, as JSON text. */
const activity = JSON.stringify({
  type: 'message',
  id: 'a1',
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  from: { id: '29:someone' },
  recipient: { id: `28:${BOT_ID}` },
  conversation: { id: 'a:chat', conversationType: 'personal', tenantId: TENANT_ID },
  text: 'help',
});

/** Sends headers and a first piece of the body, leaving the rest unsent; resolves with the answer. */
function sendPartly(url: string, headers: Record<string, string>, first: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/messages`, { method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write(first);
  });
}

async function post(url: string, headers: Record<string, string>, body: string | Buffer): Promise<{ status: number; code: unknown }> {
  const response = await fetch(`${url}/api/messages`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, code: text === '' ? undefined : (JSON.parse(text) as { error?: { code?: unknown } }).error?.code };
}

describe('/api/messages reads bodies as carefully as the intake', () => {
  let local: TestApp;
  let registered: TestApp;
  beforeAll(async () => {
    local = await startTestApp();
    registered = await startTestApp({ BOT_ID, BOT_PASSWORD: 'unused-secret', BOT_TENANT_ID: TENANT_ID, BOT_TYPE: 'SingleTenant' });
  });
  afterAll(async () => {
    await local.stop();
    await registered.stop();
  });

  it('refuses what is not plain JSON before reading it: multipart (no temp file), gzip, other types', async () => {
    const tempBefore = readdirSync(tmpdir()).length;
    const boundary = 'x-boundary';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n${'A'.repeat(100_000)}\r\n--${boundary}--\r\n`;
    expect(await post(local.url, { 'content-type': `multipart/form-data; boundary=${boundary}` }, multipart)).toEqual({ status: 415, code: 'ACTIVITY_NOT_JSON' });
    expect(readdirSync(tmpdir()).length).toBeLessThanOrEqual(tempBefore);
    expect(await post(local.url, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(activity))).toEqual({ status: 415, code: 'ACTIVITY_ENCODED' });
    expect(await post(local.url, { 'content-type': 'text/plain' }, activity)).toEqual({ status: 415, code: 'ACTIVITY_NOT_JSON' });
    expect(await post(local.url, {}, activity)).toEqual({ status: 415, code: 'ACTIVITY_NOT_JSON' });
  });

  it('stops reading at the limit, whatever the length the sender declared', async () => {
    const huge = JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) });
    // fetch sends a declared length; a stream without one is counted as it comes.
    expect(await post(local.url, { 'content-type': 'application/json' }, huge)).toEqual({ status: 413, code: 'ACTIVITY_TOO_LARGE' });
    const streamed = await sendPartly(local.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, huge);
    expect(streamed.status).toBe(413);
  });

  it('answers malformed and non-activity JSON with 400 and its own words, never a 5xx', async () => {
    for (const body of ['{"type": ', '[]', 'null', '"message"', '{"text":"no type"}', '{"type":"message","channelId":"msteams","conversation":null}', '{"type":"message","channelId":"msteams","from":{"id":1},"conversation":{"id":"a"}}']) {
      const answer = await post(local.url, { 'content-type': 'application/json' }, body);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
  });

  it('with BOT_ID, reads no body from a caller without a Bearer token', async () => {
    // Headers promise 50 MB; a first kilobyte comes, the rest never does. The answer comes all the same.
    const answer = await sendPartly(registered.url, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) }, activity.padEnd(1024));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'BOT_UNAUTHORIZED', message: 'The request does not carry a valid Bot Framework token for this bot.' } });
  });

  it('and the intake likewise refuses an encoded lead', async () => {
    const answer = await postLead(local.url, undefined, { headers: { 'content-encoding': 'gzip' }, raw: '{}' });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ error: { code: 'LEAD_ENCODED' } });
  });
});
