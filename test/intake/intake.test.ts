import { LEADS_PATH } from '../../src/intake/intake-route';
import { MAX_FIELD_CHARS } from '../../src/leads/read-fields';
import { fixture, httpsFixtureNames } from '../support/fixtures';
import { INTAKE_KEY, postLead, queuedLeadIds, startTestApp, type TestApp } from '../support/test-app';

describe('POST /api/leads', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.stop();
  });

  it.each(httpsFixtureNames())('stores and queues the %s fixture, then answers 202', async (name) => {
    const answer = await postLead(t.url, fixture(name));
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ leadId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'accepted', test: name === 'https-partner-center-test-lead' });
    const leadId = answer.body.leadId as string;

    const stored = await t.app.storage.leads.get(leadId);
    // Two writes: the row (as received) and its queue message; no third to mark it queued.
    expect(stored).toMatchObject({ id: leadId, origin: 'https', status: 'received', queuedAt: undefined, duplicates: 0 });
    expect(stored?.source.raw).toBe(fixture(name).LeadSource);
    expect(await queuedLeadIds(t.queue)).toEqual([leadId]);
  });

  it('stores a re-sent lead once and says the second was a duplicate, with the same id', async () => {
    const first = await postLead(t.url, fixture('https-appsource-contact-me'));
    // Same content, other key spellings and whitespace: the same lead.
    const resent = { userdetails: { ...(fixture('https-appsource-contact-me').UserDetails as object), FirstName: ' Dana ' }, ...withoutUserDetails() };
    const second = await postLead(t.url, resent);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ leadId: first.body.leadId, status: 'duplicate', test: false });
    expect(await queuedLeadIds(t.queue)).toEqual([first.body.leadId]);
    expect((await t.app.storage.leads.get(first.body.leadId as string))?.duplicates).toBe(1);
  });

  it('stores concurrent deliveries of the same lead once', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => postLead(t.url, fixture('https-korean-contact'))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.leadId)).size).toBe(1);
    expect(await queuedLeadIds(t.queue)).toHaveLength(1);
  });

  it('takes the key from the x-lead-key header too', async () => {
    const answer = await postLead(t.url, fixture('https-docs-sample'), { key: null, headers: { 'x-lead-key': INTAKE_KEY } });
    expect(answer.status).toBe(202);
  });

  it('takes the key from the header when ?code= is there but empty', async () => {
    const answer = await postLead(t.url, fixture('https-docs-sample'), { key: '', headers: { 'x-lead-key': INTAKE_KEY } });
    expect(answer.status).toBe(202);
  });

  it.each([
    ['no key', null, 'LEAD_KEY_MISSING', /\?code=<LEAD_INTAKE_KEY>/],
    ['a wrong key', 'test-intake-key-0123456780', 'LEAD_KEY_WRONG', /does not match/],
    ['an empty key', '', 'LEAD_KEY_MISSING', /No intake key/],
  ])('answers 401 to %s and stores nothing', async (_case, key, code, message) => {
    const answer = await postLead(t.url, fixture('https-appsource-contact-me'), { key });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: { code, message: expect.stringMatching(message) } });
    expect(await queuedLeadIds(t.queue)).toEqual([]);
    const accepted = await postLead(t.url, fixture('https-appsource-contact-me'));
    expect(accepted.status).toBe(202); // not a duplicate: the refused one was never stored
  });

  it('answers 413 over the size limit', async () => {
    const big = { ...fixture('https-appsource-contact-me'), Description: 'x'.repeat(t.settings.intake.maxBodyBytes) };
    const answer = await postLead(t.url, big);
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: { code: 'LEAD_TOO_LARGE', message: expect.stringContaining('LEAD_MAX_BODY_BYTES') } });
    expect(answer.headers.get('connection')).toBe('close'); // the rest of the body is not read
    expect(await queuedLeadIds(t.queue)).toEqual([]);
  });

  it('refuses a field too long for storage with a 400 that names it, whatever LEAD_MAX_BODY_BYTES allows, never a 503', async () => {
    const roomy = await startTestApp({ LEAD_MAX_BODY_BYTES: String(1024 * 1024) });
    try {
      const answer = await postLead(roomy.url, { ...fixture('https-appsource-contact-me'), Description: 'x'.repeat(40_000) });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: { code: 'LEAD_INVALID', message: 'Description holds 40000 characters; a lead\'s field may hold at most 32000' } });
      expect(await queuedLeadIds(roomy.queue)).toEqual([]);
      // Just within the limit, it is stored whole (Azure Tables takes 64 KiB a field). ASCII here:
      // Azurite itself garbles multi-byte text that spans 64 KiB of its request (a bug of Azurite's).
      const fits = await postLead(roomy.url, { ...fixture('https-appsource-contact-me'), Description: 'x'.repeat(32_000) });
      expect(fits.status).toBe(202);
      const stored = (await roomy.app.storage.leads.get(fits.body.leadId as string))?.description ?? '';
      expect(stored).toBe('x'.repeat(32_000));
    } finally {
      await roomy.stop();
    }
  });

  it('answers 413 to a chunked body that grows past the limit', async () => {
    const limit = t.settings.intake.maxBodyBytes;
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"Description":"${'y'.repeat(limit)}`));
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      },
    });
    const response = await fetch(`${t.url}${LEADS_PATH}?code=${INTAKE_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    });
    expect(response.status).toBe(413);
  });

  it('answers 415 to a compressed body, naming its encoding', async () => {
    const answer = await postLead(t.url, undefined, { raw: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({ error: { code: 'LEAD_ENCODED', message: 'Send the lead as plain JSON, without Content-Encoding (it was "gzip").' } });
  });

  it('answers 415 to a body that is not JSON', async () => {
    const answer = await postLead(t.url, undefined, { raw: 'FirstName=Dana', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({ error: { code: 'LEAD_NOT_JSON', message: expect.stringContaining('Content-Type: application/json') } });
  });

  it('accepts a lead of exactly LEAD_MAX_BODY_BYTES', async () => {
    const lead = fixture('https-appsource-contact-me');
    const size = Buffer.byteLength(JSON.stringify({ ...lead, Description: '', OfferTitle: '' }));
    // Filled across two fields: one field may hold at most MAX_FIELD_CHARS.
    const fill = t.settings.intake.maxBodyBytes - size;
    const description = 'x'.repeat(Math.min(fill, MAX_FIELD_CHARS));
    const exact = JSON.stringify({ ...lead, Description: description, OfferTitle: 'y'.repeat(fill - description.length) });
    expect(Buffer.byteLength(exact)).toBe(t.settings.intake.maxBodyBytes);
    expect((await postLead(t.url, undefined, { raw: exact })).status).toBe(202);
  });

  it('accepts a body that starts with a byte-order mark, and keeps that character anywhere else', async () => {
    const answer = await postLead(t.url, undefined, { raw: `\uFEFF${JSON.stringify(fixture('https-docs-sample'))}` });
    expect(answer.status).toBe(202);
    const inside = await postLead(t.url, { ...fixture('https-docs-sample'), Description: 'a\uFEFFb' });
    expect(inside.status).toBe(202);
    expect((await t.app.storage.leads.get(inside.body.leadId as string))?.description).toBe('a\uFEFFb');
  });

  it('accepts the ways of saying JSON a sender may use', async () => {
    const types = ['application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json ;charset=utf-8', 'application/vnd.marketplace.lead+json'];
    for (const [i, type] of types.entries()) {
      const lead = { ...fixture('https-docs-sample'), Description: `sent as ${type}` };
      const answer = await postLead(t.url, lead, { headers: { 'content-type': type } });
      expect({ type, status: answer.status }).toEqual({ type, status: 202 });
      expect(await queuedLeadIds(t.queue)).toHaveLength(i + 1);
    }
  });

  it('answers 415 to a content type that only looks like JSON, quoting it', async () => {
    for (const type of ['text/json', 'application/jsonp', 'application/json-seq', 'x-application/json', 'application/+json', 'text/plain; format=application/json']) {
      const answer = await postLead(t.url, fixture('https-docs-sample'), { headers: { 'content-type': type } });
      expect({ type, status: answer.status, body: answer.body }).toEqual({
        type,
        status: 415,
        body: { error: { code: 'LEAD_NOT_JSON', message: `Leads must be sent as JSON (Content-Type: application/json), not "${type}".` } },
      });
    }
    const long = `text/plain; name=${'n'.repeat(200)}`;
    const answer = await postLead(t.url, fixture('https-docs-sample'), { headers: { 'content-type': long } });
    expect(answer.body).toEqual({ error: { code: 'LEAD_NOT_JSON', message: `Leads must be sent as JSON (Content-Type: application/json), not "${long.slice(0, 100)}".` } });
    expect(await queuedLeadIds(t.queue)).toEqual([]);
  });

  it('accepts a lead sent with no content type at all', async () => {
    const answer = await postLead(t.url, fixture('https-docs-sample'), { headers: { 'content-type': '' } });
    expect(answer.status).toBe(202);
    // No Content-Type header at all (fetch adds none for bytes).
    const bytes = new TextEncoder().encode(JSON.stringify(fixture('https-korean-contact')));
    const response = await fetch(`${t.url}${LEADS_PATH}?code=${INTAKE_KEY}`, { method: 'POST', body: bytes });
    expect(response.status).toBe(202);
  });

  it.each([
    ['malformed JSON', '{"UserDetails": {', 'LEAD_MALFORMED_JSON', /^The body is not valid JSON: it breaks at character 17\.$/],
    ['unquoted text', '{"UserDetails": {"Email": jane@contoso.example}}', 'LEAD_MALFORMED_JSON', /^The body is not valid JSON: it holds text that is not JSON/],
    ['a body cut short', '{"UserDetails":', 'LEAD_MALFORMED_JSON', /^The body is not valid JSON: it ends too early\.$/],
    ['an empty body', '', 'LEAD_EMPTY', /empty/],
    ['a body of blanks', ' \r\n\t ', 'LEAD_EMPTY', /^The body is empty; send the lead as a JSON object\.$/],
    ['an array', '[1,2]', 'LEAD_INVALID', /must be a JSON object .* but it is an array/],
    ['an object that is no lead', '{"event":"ping"}', 'LEAD_INVALID', /none of the marketplace lead fields/],
    ['a field of the wrong type', '{"UserDetails":{"Email":["a@b.c"]}}', 'LEAD_INVALID', /^UserDetails.Email must be text, but it is an array$/],
  ])('answers 400 to %s, saying what was wrong', async (_case, raw, code, message) => {
    const answer = await postLead(t.url, undefined, { raw });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code, message: expect.stringMatching(message) } });
    expect(await queuedLeadIds(t.queue)).toEqual([]);
  });

  it('logs each lead accepted or repeated, and each refusal as a warning with its code', async () => {
    const entries = (): Record<string, unknown>[] => t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const first = await postLead(t.url, fixture('https-appsource-contact-me'));
    await postLead(t.url, fixture('https-appsource-contact-me'));
    await postLead(t.url, fixture('https-appsource-contact-me'), { key: 'test-intake-key-0123456780' });
    expect(entries().filter((e) => e.route === LEADS_PATH)).toEqual([
      expect.objectContaining({ level: 30, msg: 'lead accepted', leadId: first.body.leadId, duplicate: false, isTest: false, channel: 'AppSource', actionCode: 'PLT', offerId: 'contoso.contoso-sales-insights' }),
      expect.objectContaining({ level: 30, msg: 'lead already received; not stored again', leadId: first.body.leadId, duplicate: true }),
      expect.objectContaining({ level: 40, code: 'LEAD_KEY_WRONG', status: 401, msg: expect.stringMatching(/^The intake key does not match/) }),
    ]);
  });

  it('never writes the intake key, e-mail addresses or phone numbers to the log', async () => {
    const canaryKey = 'CANARYkey-0123456789abcdef';
    const app = await startTestApp({ LEAD_INTAKE_KEY: canaryKey });
    try {
      const lead = { UserDetails: { Email: 'canary.person@canary.example', Phone: '+1 555 CANARY', FirstName: 'Canny' }, LeadSource: 'AppSource-PLT|a.b' };
      expect((await postLead(app.url, lead, { key: canaryKey })).status).toBe(202);
      expect((await postLead(app.url, lead, { key: 'CANARYwrong-0123456789' })).status).toBe(401);
      await postLead(app.url, undefined, { key: canaryKey, raw: '{"UserDetails":{"Email":"canary.person@canary.example"' });
      await postLead(app.url, undefined, { key: canaryKey, raw: '{"UserDetails":{"Email":canary.person@canary.example}}' });
      const logs = app.logs.join('');
      expect(logs).toContain('lead accepted');
      expect(logs).toMatch(/"leadId":"[0-9a-f-]{36}"/);
      expect(logs).not.toMatch(/CANARY/i);
    } finally {
      await app.stop();
    }
  });
});

function withoutUserDetails(): Record<string, unknown> {
  const { UserDetails: _ignored, ...rest } = fixture('https-appsource-contact-me');
  return { ...rest, ActionCode: ' PLT ' };
}
