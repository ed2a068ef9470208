import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { TlsFiles } from './tls';

/**
 * A local Dataverse Web API (v9.2) for the lead table, behaving as the documented service
 * does: bearer tokens checked (signature, issuer, audience = the org URL, expiry) with the
 * 401 challenge otherwise; required columns and lengths enforced; client-supplied ids
 * honoured (a second create → 412 0x80040237); `Prefer: return=representation`; WhoAmI;
 * OData error bodies. Faults are injected on demand: a missing security role, throttling
 * (429 + Retry-After) past a rate or a concurrency, failures (500/503) and stalls.
 */
export interface DataverseEmulator {
  /** The org URL, as DYNAMICS_URL. */
  readonly url: string;
  /** Lead records by id, as stored. */
  readonly leads: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** Every request answered, in order. */
  readonly requests: readonly EmulatorRequest[];
  /** The most requests that were ever in flight at once. */
  readonly maxInFlight: number;
  readonly faults: Faults;
  stop(): Promise<void>;
}

export interface EmulatorRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** When the request arrived, in ms since the epoch. */
  readonly at: number;
}

export interface Faults {
  /** The application user has no security role: every data request answers 403. */
  refuseRole: boolean;
  /** Columns a customisation has made required, beyond subject and lastname. */
  extraRequiredColumns: string[];
  /** Every request takes at least this long, as a busy service does. */
  latencyMs: number;
  /**
   * The degree of parallelism the environment recommends, in x-ms-dop-hint on every answer (the
   * service sets it from the servers it gives the environment; a trial gets few).
   */
  dopHint: number;
  /**
   * Throttle like the service protection limits, with a short window for tests. Retry-After is
   * `retryAfterSeconds`; with `retryAfterUntilRoom`, a refusal for the request count says instead
   * how long until the window has room again, as the service computes it.
   */
  throttle: { maxRequests?: number; windowMs?: number; maxConcurrent?: number; retryAfterSeconds: number; retryAfterUntilRoom?: boolean } | undefined;
  /** Answer the next `count` requests with this status. */
  failNext(count: number, status: 500 | 503): void;
  /** Hold the next `count` requests for `ms` (Infinity: until the emulator stops); a create may commit first. */
  stallNext(count: number, ms: number, options?: { afterCommit?: boolean }): void;
  /** Back to a healthy service. */
  clear(): void;
}

const DEFAULT_DOP_HINT = 16;

/**
 * Lead columns this emulator knows, with Dataverse's maximum lengths (docs/domain.md §2). Written
 * out again on purpose rather than taken from src/dynamics/map-lead.ts: the emulator stands
 * for the service, so a wrong length in the bot's code must fail against it.
 */
const LEAD_COLUMNS: Readonly<Record<string, number | 'int' | 'guid'>> = {
  leadid: 'guid',
  subject: 300,
  firstname: 50,
  lastname: 50,
  companyname: 100,
  jobtitle: 100,
  emailaddress1: 100,
  telephone1: 50,
  address1_country: 80,
  description: 2000,
  leadsourcecode: 'int',
};
const REQUIRED = ['subject', 'lastname'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API = '/api/data/v9.2/';

class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function startDataverseEmulator(options: {
  tls: TlsFiles;
  identityProviderOrigin: string;
  tenantId: string;
  port?: number;
}): Promise<DataverseEmulator> {
  const leads = new Map<string, Record<string, unknown>>();
  const requests: EmulatorRequest[] = [];
  const organizationId = randomUUID();
  const businessUnitId = randomUUID();
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  let stalls: { count: number; ms: number; afterCommit: boolean } = { count: 0, ms: 0, afterCommit: false };
  let inFlight = 0;
  let maxInFlight = 0;
  const recent: number[] = [];
  const stalled = new Set<NodeJS.Timeout>();

  const faults: Faults = {
    refuseRole: false,
    extraRequiredColumns: [],
    latencyMs: 0,
    dopHint: DEFAULT_DOP_HINT,
    throttle: undefined,
    failNext(count, status) {
      failures = { count, status };
    },
    stallNext(count, ms, opts) {
      stalls = { count, ms, afterCommit: opts?.afterCommit ?? false };
    },
    clear() {
      faults.refuseRole = false;
      faults.extraRequiredColumns = [];
      faults.latencyMs = 0;
      faults.dopHint = DEFAULT_DOP_HINT;
      faults.throttle = undefined;
      failures = { count: 0, status: 500 };
      stalls = { count: 0, ms: 0, afterCommit: false };
    },
  };

  const issuer = `${options.identityProviderOrigin}/${options.tenantId}`;
  const keys = createRemoteJWKSet(new URL(`${issuer}/discovery/v2.0/keys`), { agent: new Agent({ ca: options.tls.cert }) });
  let url = '';

  const authenticate = async (req: IncomingMessage): Promise<JWTPayload> => {
    const challenge = {
      'www-authenticate': `Bearer authorization_uri=${issuer}/oauth2/authorize, resource_id=${url}`,
    };
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined) throw new ODataError(401, '0x80072560', 'The user is not authenticated.', challenge);
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience: url });
      return payload;
    } catch {
      throw new ODataError(401, '0x80072560', 'The access token is not valid for this organization.', challenge);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const requestUrl = new URL(req.url ?? '/', 'https://org');
    const path = decodeURIComponent(requestUrl.pathname);
    if (req.method === 'GET' && path === '/main.aspx') return showRecord(res, leads.get(requestUrl.searchParams.get('id') ?? ''));
    if (!path.startsWith(API)) throw new ODataError(404, '0x8006088a', `Resource not found for the segment '${path}'.`);
    const claims = await authenticate(req);
    applyThrottle();
    if (failures.count > 0) {
      failures.count--;
      throw new ODataError(failures.status, '0x80040216', failures.status === 503 ? 'The service is temporarily unavailable.' : 'An unexpected error occurred.');
    }
    if (faults.refuseRole) {
      throw new ODataError(403, '0x80042f09', `SecLib::RetrievePrivilegeForUser failed - no roles are assigned to user. Returned hr = -2147209463, User: ${String(claims.oid)}`);
    }
    if (faults.latencyMs > 0) await wait(faults.latencyMs);
    const stall = stalls.count > 0 ? { ...stalls } : undefined;
    if (stall) stalls.count--;
    if (stall && !stall.afterCommit) await wait(stall.ms);

    const resource = path.slice(API.length);
    let answer: { status: number; headers?: Record<string, string>; body?: unknown };
    if (req.method === 'GET' && resource === 'WhoAmI') {
      answer = {
        status: 200,
        body: {
          '@odata.context': `${url}${API}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
          BusinessUnitId: businessUnitId,
          UserId: String(claims.oid),
          OrganizationId: organizationId,
        },
      };
    } else if (req.method === 'POST' && resource === 'leads') {
      answer = createLead(parseJson(await readBody(req)), String(req.headers.prefer ?? ''));
    } else if (req.method === 'GET' && /^leads\(([^)]+)\)$/.test(resource)) {
      const id = /^leads\(([^)]+)\)$/.exec(resource)?.[1] ?? '';
      const record = leads.get(id.toLowerCase());
      if (record === undefined) throw new ODataError(404, '0x80040217', `lead With Id = ${id} Does Not Exist`);
      answer = { status: 200, body: { '@odata.context': `${url}${API}$metadata#leads/$entity`, ...record } };
    } else {
      throw new ODataError(404, '0x8006088a', `Resource not found for the segment '${resource}'.`);
    }
    if (stall?.afterCommit === true) await wait(stall.ms);
    send(res, answer.status, answer.body, { ...answer.headers, 'x-ms-dop-hint': String(faults.dopHint) });
    return answer.status;
  };

  const applyThrottle = (): void => {
    const limits = faults.throttle;
    if (limits === undefined) return;
    const now = Date.now();
    const windowMs = limits.windowMs ?? 300_000;
    while (recent.length > 0 && (recent[0] ?? 0) < now - windowMs) recent.shift();
    const retry = { 'retry-after': String(limits.retryAfterSeconds) };
    if (limits.maxConcurrent !== undefined && inFlight > limits.maxConcurrent) {
      throw new ODataError(429, '0x80072326', `Number of concurrent requests exceeded the limit of ${limits.maxConcurrent}.`, retry);
    }
    if (limits.maxRequests !== undefined && recent.length >= limits.maxRequests) {
      // The oldest request in the window leaves it at its arrival plus the window.
      const untilRoom = { 'retry-after': String(Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000))) };
      throw new ODataError(429, '0x80072322', `Number of requests exceeded the limit of ${limits.maxRequests} over time window of ${windowMs / 1000} seconds.`, limits.retryAfterUntilRoom === true ? untilRoom : retry);
    }
    recent.push(now);
  };

  const createLead = (body: unknown, prefer: string): { status: number; headers: Record<string, string>; body?: unknown } => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ODataError(400, '0x80040203', 'The request body must be a JSON object.');
    }
    const record: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(body)) {
      const kind = LEAD_COLUMNS[column];
      if (kind === undefined) {
        throw new ODataError(400, '0x80060888', `The property '${column}' does not exist on type 'Microsoft.Dynamics.CRM.lead'. Make sure to only use property names that are defined by the type.`);
      }
      if (kind === 'guid' && (typeof value !== 'string' || !GUID.test(value))) {
        throw new ODataError(400, '0x80060891', `Cannot convert the literal '${String(value)}' to the expected type 'Edm.Guid'.`);
      }
      if (kind === 'int' && !Number.isInteger(value)) {
        throw new ODataError(400, '0x80060891', `Cannot convert the literal '${String(value)}' to the expected type 'Edm.Int32'.`);
      }
      if (typeof kind === 'number') {
        if (typeof value !== 'string' && value !== null) {
          throw new ODataError(400, '0x80060891', `Cannot convert the literal '${String(value)}' to the expected type 'Edm.String'.`);
        }
        if (typeof value === 'string' && value.length > kind) {
          throw new ODataError(400, '0x80044331', `A validation error occurred. The length of the '${column}' attribute of the 'lead' entity exceeded the maximum allowed length of '${kind}'.`);
        }
      }
      record[column] = value;
    }
    for (const column of [...REQUIRED, ...faults.extraRequiredColumns]) {
      if (typeof record[column] !== 'string' || (record[column]).trim() === '') {
        throw new ODataError(400, '0x80040200', `A required attribute is missing: '${column}' on the 'lead' entity must have a value.`);
      }
    }
    const id = typeof record.leadid === 'string' ? record.leadid.toLowerCase() : randomUUID();
    if (leads.has(id)) throw new ODataError(412, '0x80040237', 'A record with matching key values already exists.');
    const stored = { ...record, leadid: id, createdon: new Date().toISOString(), statecode: 0, statuscode: 1 };
    leads.set(id, stored);
    const entityId = `${url}${API}leads(${id})`;
    if (/return=representation/i.test(prefer)) {
      return {
        status: 201,
        headers: { 'odata-entityid': entityId, 'preference-applied': 'return=representation' },
        body: { '@odata.context': `${url}${API}$metadata#leads/$entity`, '@odata.etag': `W/"${Date.now()}"`, ...stored },
      };
    }
    return { status: 204, headers: { 'odata-entityid': entityId } };
  };

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms === Infinity) return; // held until the emulator stops and drops the connection
      const timer = setTimeout(() => {
        stalled.delete(timer);
        resolve();
      }, ms);
      stalled.add(timer);
    });

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    const at = Date.now();
    const path = new URL(req.url ?? '/', 'https://org').pathname;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    void handle(req, res)
      .catch((error: unknown) => {
        const e = error instanceof ODataError ? error : new ODataError(500, '0x80040216', 'An unexpected error occurred.');
        send(res, e.status, e.status === 401 ? undefined : { error: { code: e.code, message: e.message } }, e.headers);
        return e.status;
      })
      .then((status) => {
        requests.push({ method: req.method ?? '', path, status, at });
      })
      .finally(() => {
        inFlight--;
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    leads,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    faults,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of stalled) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * What "Open in Dynamics" shows locally: the record's columns on a plain page. (The real
 * main.aspx is the model-driven app and needs an interactive sign-in.)
 */
function showRecord(res: ServerResponse, record: Readonly<Record<string, unknown>> | undefined): number {
  const status = record === undefined ? 404 : 200;
  const rows = Object.entries(record ?? {})
    .map(([column, value]) => `<tr><th>${escapeHtml(column)}</th><td>${escapeHtml(String(value))}</td></tr>`)
    .join('');
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><title>Lead — Dataverse emulator</title><style>body{font-family:sans-serif}th{text-align:left;padding-right:1em;vertical-align:top}td{white-space:pre-wrap}</style>` +
      `<h1>${record === undefined ? 'No such lead' : escapeHtml(String(record.subject))}</h1><table>${rows}</table>`,
  );
  return status;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'odata-version': '4.0',
    ...(text === '' ? {} : { 'content-type': 'application/json; odata.metadata=minimal' }),
    ...headers,
  });
  res.end(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ODataError(400, '0x80040203', 'The request body is not valid JSON.');
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
