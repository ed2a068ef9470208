import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { parseQuery, QueryError, runQuery, type Row } from './odata-query';
import type { TlsFiles } from './tls';

/**
 * A local Dataverse Web API (v9.2) for leads, contacts, accounts and users, behaving as the
 * documented service does: bearer tokens checked (signature, issuer, audience = the org URL,
 * expiry) with the 401 challenge otherwise; required columns and lengths enforced;
 * client-supplied ids honoured (a second create → 412 0x80040237); `Prefer:
 * return=representation`; WhoAmI; queries ($filter, $select, $orderby, $top; odata-query.ts);
 * a lead's owner (`ownerid@odata.bind`) and its state and status reason set by PATCH, with the
 * service's refusals; DELETE; OData error bodies. Faults are injected on demand: a missing
 * security role or privilege, throttling (429 + Retry-After) past a rate or a concurrency,
 * failures (500/503) and stalls.
 */
export interface DataverseEmulator {
  /** The org URL, as DYNAMICS_URL. */
  readonly url: string;
  /** Lead records by id, as stored. */
  readonly leads: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** Users (systemusers), contacts and accounts by id, as stored. */
  readonly users: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly contacts: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly accounts: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** Adds a Dynamics user for an Entra user; its systemuserid. */
  addUser(user: NewUser): string;
  /** Adds an active contact or account; its id. */
  addContact(contact: { fullname: string; emailaddress1: string; createdon?: string }): string;
  addAccount(account: { name: string; emailaddress1?: string; websiteurl?: string; createdon?: string }): string;
  /** Every request answered, in order. */
  readonly requests: readonly EmulatorRequest[];
  /** The most requests that were ever in flight at once. */
  readonly maxInFlight: number;
  readonly faults: Faults;
  stop(): Promise<void>;
}

export interface NewUser {
  readonly azureactivedirectoryobjectid: string;
  readonly fullname: string;
  readonly internalemailaddress: string;
  /** Disabled in Dynamics: cannot own records (0x80040225). */
  readonly isdisabled?: boolean;
  /** Has no security role: cannot own records (0x80042f09). */
  readonly noRoles?: boolean;
  /** Privileges their role lacks: without prvReadLead they cannot own a lead (403 0x80040220, naming them, not the caller). */
  readonly missingPrivileges?: readonly string[];
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
  /** Privileges the application user's role lacks (prvAssignLead, prvWriteLead, prvReadContact…): those requests answer 403 0x80040220. */
  refusePrivileges: string[];
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
/** prvAssignLead and friends have fixed ids in every environment; one stands for them all here. */
const PRIVILEGE_ID = '6a3ffd4f-b5ce-4b62-8a6a-2b8d6f4b4d56';

/**
 * Lead columns this emulator knows, with Dataverse's maximum lengths (docs/domain.md §2). Written
 * out again on purpose rather than taken from src/dynamics/map-lead.ts: the emulator stands
 * for the service, so a wrong length in the bot's code must fail against it.
 */
/** A column's type: a string's maximum length, or its kind. */
type ColumnKind = number | 'int' | 'guid' | 'bind';
const LEAD_COLUMNS: Readonly<Record<string, ColumnKind>> = {
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

/** A lead's state (statecode) and the status reasons (statuscode) each allows, the first its default (the Lead table's reference). */
const LEAD_STATES: Readonly<Record<number, { readonly name: string; readonly reasons: readonly number[] }>> = {
  0: { name: 'Open', reasons: [1, 2] },
  1: { name: 'Qualified', reasons: [3] },
  2: { name: 'Disqualified', reasons: [4, 5, 6, 7] },
};

/** The tables answered, by entity set: the entity's name, its key, its object type code, and what a query may name. */
const TABLES = {
  leads: { entity: 'lead', key: 'leadid', otc: 4, read: 'prvReadLead', properties: new Set([...Object.keys(LEAD_COLUMNS), 'fullname', 'createdon', 'modifiedon', 'statecode', 'statuscode', '_ownerid_value']) },
  contacts: { entity: 'contact', key: 'contactid', otc: 2, read: 'prvReadContact', properties: new Set(['contactid', 'fullname', 'emailaddress1', 'createdon', 'statecode']) },
  accounts: { entity: 'account', key: 'accountid', otc: 1, read: 'prvReadAccount', properties: new Set(['accountid', 'name', 'emailaddress1', 'websiteurl', 'createdon', 'statecode']) },
  systemusers: {
    entity: 'systemuser',
    key: 'systemuserid',
    otc: 8,
    read: 'prvReadUser',
    properties: new Set(['systemuserid', 'fullname', 'internalemailaddress', 'azureactivedirectoryobjectid', 'isdisabled']),
  },
} as const;
type EntitySet = keyof typeof TABLES;
const isEntitySet = (name: string): name is EntitySet => name in TABLES;
const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
/** The name the bot's own (application) user has here. */
const APPLICATION_USER = 'Marketplace Lead Bot (application user)';
/** What a PATCH may change beyond the create's columns: the state pair and the owner. */
const LEAD_UPDATE_COLUMNS: Readonly<Record<string, ColumnKind>> = { ...LEAD_COLUMNS, statecode: 'int', statuscode: 'int', 'ownerid@odata.bind': 'bind' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API = '/api/data/v9.2/';

type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

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
  const users = new Map<string, Record<string, unknown>>();
  const contacts = new Map<string, Record<string, unknown>>();
  const accounts = new Map<string, Record<string, unknown>>();
  const tables: Readonly<Record<EntitySet, Map<string, Record<string, unknown>>>> = { leads, contacts, accounts, systemusers: users };
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
    refusePrivileges: [],
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
      faults.refusePrivileges = [];
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
    if (req.method === 'GET' && path === '/main.aspx') {
      const set = `${requestUrl.searchParams.get('etn') ?? 'lead'}s`;
      return showRecord(res, isEntitySet(set) ? tables[set].get(requestUrl.searchParams.get('id') ?? '') : undefined);
    }
    if (!path.startsWith(API)) throw new ODataError(404, '0x8006088a', `Resource not found for the segment '${path}'.`);
    const claims = await authenticate(req);
    // The caller is a user of the environment (an application user, for an app): WhoAmI's UserId, a lead's first owner.
    if (!users.has(String(claims.oid))) users.set(String(claims.oid), { systemuserid: String(claims.oid), fullname: APPLICATION_USER, internalemailaddress: '', azureactivedirectoryobjectid: String(claims.oid), isdisabled: false });
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
    let answer: Answer;
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
      refuseUnlessAllowed('prvCreateLead', 'leads', claims);
      answer = createLead(parseJson(await readBody(req)), String(req.headers.prefer ?? ''), String(claims.oid));
    } else if (req.method === 'GET' && isEntitySet(resource)) {
      refuseUnlessAllowed(TABLES[resource].read, resource, claims);
      answer = queryTable(resource, requestUrl.searchParams, String(req.headers.prefer ?? ''));
    } else if (/^(\w+)\(([^)]+)\)$/.test(resource)) {
      const [, set = '', id = ''] = /^(\w+)\(([^)]+)\)$/.exec(resource) ?? [];
      if (!isEntitySet(set)) throw new ODataError(404, '0x8006088a', `Resource not found for the segment '${set}'.`);
      answer = await recordRequest(req, set, id.toLowerCase(), requestUrl.searchParams, claims);
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

  /** 403 0x80040220 when the application user's role lacks the privilege, as the service says it. */
  const refuseUnlessAllowed = (privilege: string, set: EntitySet, claims: JWTPayload): void => {
    if (!faults.refusePrivileges.includes(privilege)) return;
    const { entity, otc } = TABLES[set];
    throw new ODataError(
      403,
      '0x80040220',
      `Principal user (Id=${String(claims.oid)}, type=8, roleCount=1, privilegeCount=412, accessMode=0), is missing ${privilege} privilege (Id=${PRIVILEGE_ID}) on OTC=${String(otc)} for entity '${entity}'. context.Caller=${String(claims.oid)}`,
    );
  };

  /** The columns a create or update gives, checked as the service checks them. */
  const checkColumns = (body: unknown, columns: Readonly<Record<string, ColumnKind>>): Record<string, unknown> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ODataError(400, '0x80040203', 'The request body must be a JSON object.');
    }
    const record: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(body)) {
      const kind = columns[column];
      if (kind === undefined) {
        throw new ODataError(400, '0x80060888', `The property '${column}' does not exist on type 'Microsoft.Dynamics.CRM.lead'. Make sure to only use property names that are defined by the type.`);
      }
      if (kind === 'guid' && (typeof value !== 'string' || !GUID.test(value))) {
        throw new ODataError(400, '0x80060891', `Cannot convert the literal '${String(value)}' to the expected type 'Edm.Guid'.`);
      }
      if (kind === 'int' && !Number.isInteger(value)) {
        throw new ODataError(400, '0x80060891', `Cannot convert the literal '${String(value)}' to the expected type 'Edm.Int32'.`);
      }
      if (typeof kind === 'number' || kind === 'bind') {
        if (typeof value !== 'string' && value !== null) {
          throw new ODataError(400, '0x80060891', `Cannot convert the literal '${String(value)}' to the expected type 'Edm.String'.`);
        }
        if (typeof kind === 'number' && typeof value === 'string' && value.length > kind) {
          throw new ODataError(400, '0x80044331', `A validation error occurred. The length of the '${column}' attribute of the 'lead' entity exceeded the maximum allowed length of '${String(kind)}'.`);
        }
      }
      record[column] = value;
    }
    return record;
  };

  const createLead = (body: unknown, prefer: string, owner: string): { status: number; headers: Record<string, string>; body?: unknown } => {
    const record = checkColumns(body, LEAD_COLUMNS);
    for (const column of [...REQUIRED, ...faults.extraRequiredColumns]) {
      if (typeof record[column] !== 'string' || (record[column]).trim() === '') {
        throw new ODataError(400, '0x80040200', `A required attribute is missing: '${column}' on the 'lead' entity must have a value.`);
      }
    }
    const id = typeof record.leadid === 'string' ? record.leadid.toLowerCase() : randomUUID();
    if (leads.has(id)) throw new ODataError(412, '0x80040237', 'A record with matching key values already exists.');
    const now = new Date().toISOString();
    // The creator owns a new record: here the application user the token names.
    // fullname is computed by the service from the name columns.
    const fullname = [record.firstname, record.lastname].filter((n) => typeof n === 'string' && n !== '').join(' ');
    const stored = { ...record, leadid: id, fullname, createdon: now, modifiedon: now, versionnumber: nextVersion(), statecode: 0, statuscode: 1, _ownerid_value: owner };
    leads.set(id, stored);
    const entityId = `${url}${API}leads(${id})`;
    if (/return=representation/i.test(prefer)) {
      return {
        status: 201,
        headers: { 'odata-entityid': entityId, 'preference-applied': 'return=representation' },
        body: { '@odata.context': `${url}${API}$metadata#leads/$entity`, '@odata.etag': etagOf(stored), ...stored },
      };
    }
    return { status: 204, headers: { 'odata-entityid': entityId } };
  };

  /** GET, PATCH or DELETE of one record: `leads(<id>)`. */
  const recordRequest = async (req: IncomingMessage, set: EntitySet, id: string, params: URLSearchParams, claims: JWTPayload): Promise<Answer> => {
    const table = tables[set];
    const notFound = (): ODataError => new ODataError(404, '0x80040217', `${TABLES[set].entity} With Id = ${id} Does Not Exist`);
    if (req.method === 'GET') {
      refuseUnlessAllowed(TABLES[set].read, set, claims);
      const record = table.get(id);
      if (record === undefined) throw notFound();
      const [row] = project(set, [record], parseQuery(params, TABLES[set]).select, String(req.headers.prefer ?? ''));
      return { status: 200, body: { '@odata.context': `${url}${API}$metadata#${set}/$entity`, ...row } };
    }
    if (set !== 'leads' || (req.method !== 'PATCH' && req.method !== 'DELETE')) throw new ODataError(405, '0x80060888', `The HTTP method '${String(req.method)}' is not allowed on '${set}' here.`);
    const existing = leads.get(id);
    if (req.method === 'DELETE') {
      refuseUnlessAllowed('prvDeleteLead', set, claims);
      if (existing === undefined) throw notFound();
      refuseOtherVersion(req.headers['if-match'], existing);
      leads.delete(id);
      return { status: 204 };
    }
    const body = parseJson(await readBody(req));
    // Without If-Match a PATCH is an upsert: a lead that is not there is created.
    if (existing === undefined) {
      if (req.headers['if-match'] !== undefined) throw notFound();
      return createLead({ ...(body as object), leadid: id }, '', String(claims.oid));
    }
    refuseOtherVersion(req.headers['if-match'], existing);
    const changes = checkColumns(body, LEAD_UPDATE_COLUMNS);
    const bind = changes['ownerid@odata.bind'];
    refuseUnlessAllowed(bind === undefined ? 'prvWriteLead' : 'prvAssignLead', set, claims);
    const updated: Record<string, unknown> = { ...existing, ...changes, modifiedon: new Date().toISOString(), versionnumber: nextVersion() };
    delete updated['ownerid@odata.bind'];
    if (typeof bind === 'string') updated._ownerid_value = newOwner(bind, String(claims.oid));
    if ('statecode' in changes || 'statuscode' in changes) Object.assign(updated, checkState(existing, changes, id));
    leads.set(id, updated);
    return { status: 204, headers: { 'odata-entityid': `${url}${API}leads(${id})` } };
  };

  /** The user `/systemusers(<id>)` names, if it may own a lead; otherwise the service's refusal. */
  const newOwner = (bind: string, caller: string): string => {
    const id = /(?:^|\/)systemusers\(([0-9a-f-]{36})\)$/i.exec(bind)?.[1]?.toLowerCase();
    if (id === undefined) throw new ODataError(400, '0x80090800', `The URL '${bind}' in the request body for the property 'ownerid' is not valid.`);
    const user = users.get(id);
    if (user === undefined) throw new ODataError(404, '0x80040217', `systemuser With Id = ${id} Does Not Exist`);
    if (user.isdisabled === true) throw new ODataError(400, '0x80040225', `The specified user(Id = ${id}) is disabled. Consider enabling this user.`);
    if (user.noRoles === true) throw new ODataError(400, '0x80042f09', `The user (Id = ${id}) has not been assigned any roles. Assign a security role to the user.`);
    // An owner must be able to read what they own: the privilege check names them.
    if (Array.isArray(user.missingPrivileges) && user.missingPrivileges.includes('prvReadLead')) {
      throw new ODataError(403, '0x80040220', `Principal user (Id=${id}, type=8, roleCount=1, privilegeCount=97, accessMode=0), is missing prvReadLead privilege (Id=${PRIVILEGE_ID}) on OTC=${String(TABLES.leads.otc)} for entity 'lead'. context.Caller=${caller}`);
    }
    return id;
  };

  /** A new state and status reason, when the pair is one the Lead table allows (a state alone takes its default reason). */
  const checkState = (existing: Record<string, unknown>, changes: Record<string, unknown>, id: string): { statecode: number; statuscode: number } => {
    const state = typeof changes.statecode === 'number' ? changes.statecode : Number(existing.statecode);
    const allowed = LEAD_STATES[state];
    const reason = typeof changes.statuscode === 'number' ? changes.statuscode : allowed?.reasons[0];
    if (allowed === undefined || reason === undefined || !allowed.reasons.includes(reason)) {
      throw new ODataError(400, '0x80048408', `${String(reason)} is not a valid status code for state code LeadState.${allowed?.name ?? String(state)} on lead with Id ${id}.`);
    }
    return { statecode: state, statuscode: reason };
  };

  const queryTable = (set: EntitySet, params: URLSearchParams, prefer: string): Answer => {
    const query = parseQuery(params, TABLES[set]);
    const rows = runQuery(tables[set].values(), query);
    const annotations = /odata\.include-annotations="[^"]*"/i.exec(prefer)?.[0];
    return {
      status: 200,
      headers: annotations === undefined ? {} : { 'preference-applied': annotations },
      body: { '@odata.context': `${url}${API}$metadata#${set}`, value: project(set, rows, query.select, prefer) },
    };
  };

  /** Rows as the service answers them: the columns asked for (and the key), an etag, and the owner's name when annotations are asked for. */
  const project = (set: EntitySet, rows: readonly Row[], select: readonly string[] | undefined, prefer: string): Record<string, unknown>[] => {
    const annotated = /odata\.include-annotations/i.test(prefer);
    return rows.map((row) => {
      const columns = select === undefined ? Object.keys(row).filter((c) => TABLES[set].properties.has(c)) : [...new Set([...select, TABLES[set].key])];
      const out: Record<string, unknown> = { '@odata.etag': etagOf(row) };
      for (const column of columns) {
        out[column] = row[column] ?? null;
        if (column === '_ownerid_value' && annotated && typeof row[column] === 'string') {
          out[`${column}@${FORMATTED}`] = users.get(row[column])?.fullname ?? '';
          out[`${column}@Microsoft.Dynamics.CRM.lookuplogicalname`] = 'systemuser';
        }
      }
      return out;
    });
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
        const e =
          error instanceof ODataError ? error : error instanceof QueryError ? new ODataError(error.status, error.code, error.message) : new ODataError(500, '0x80040216', 'An unexpected error occurred.');
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

  const add = (table: Map<string, Record<string, unknown>>, key: string, fields: Record<string, unknown>): string => {
    const id = randomUUID();
    const createdon = typeof fields.createdon === 'string' ? fields.createdon : new Date().toISOString();
    table.set(id, { statecode: 0, ...fields, [key]: id, createdon, modifiedon: createdon, versionnumber: nextVersion() });
    return id;
  };

  return {
    url,
    leads,
    users,
    contacts,
    accounts,
    addUser: (user) => add(users, 'systemuserid', { isdisabled: false, ...user, azureactivedirectoryobjectid: user.azureactivedirectoryobjectid.toLowerCase() }),
    addContact: (contact) => add(contacts, 'contactid', { ...contact }),
    addAccount: (account) => add(accounts, 'accountid', { ...account }),
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

let version = 1_000_000;
/** The next row version: every write in the environment takes a higher one, as Dataverse's versionnumber does. */
function nextVersion(): number {
  return ++version;
}

/** A weak etag of the record's row version: it changes with every write, however close two writes come. */
function etagOf(row: Readonly<Record<string, unknown>>): string {
  return `W/"${typeof row.versionnumber === 'number' ? String(row.versionnumber) : '0'}"`;
}

/** Optimistic concurrency (an update or delete with If-Match): an etag other than * must be the record's own. */
function refuseOtherVersion(ifMatch: string | undefined, existing: Readonly<Record<string, unknown>>): void {
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(existing)) {
    throw new ODataError(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided.");
  }
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
