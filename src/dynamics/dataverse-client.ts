import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamicsSettings } from '../config/settings';
import { parseJsonOrUndefined, type HttpTransport } from '../http/http-transport';
import { parseRetryAfter, withRetries, type RetryPolicy } from '../http/retry';
import { GUID } from '../leads/lead-id';
import type { Logger } from '../logging/create-logger';
import { DynamicsError, dynamicsError } from './dynamics-error';
import type { KnownCustomer } from '../leads/known-customer';
import type { LeadRecord } from './map-lead';
import type { TokenSource } from './sign-in';
import type { LeadState } from '../pipeline/lead-follow-ups';

export interface WhoAmI {
  readonly userId: string;
  readonly businessUnitId: string;
  readonly organizationId: string;
}

/** A Dynamics user, as far as owning a lead goes. */
export interface DynamicsUser {
  readonly id: string;
  readonly name: string;
  readonly disabled: boolean;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

const API_PATH = '/api/data/v9.2/';
const DUPLICATE_KEY = '0x80040237';
/** "<entity> With Id = … Does Not Exist": the service answered, the record is not there. */
const RECORD_MISSING = '0x80040217';
/** The user cannot own the record: disabled (0x80040225), lacking privileges (0x80040231) or a licence (0x8004d24b). */
const OWNER_REFUSALS = ['0x80040225', '0x80040231', '0x8004d24b'];
/** A privilege the principal it names lacks ("Principal user (Id=…) is missing prvReadLead privilege"). */
const MISSING_PRIVILEGE = '0x80040220';
/** No security role: ours when the answer is 403 (every request fails), the new owner's when it is 400. */
const NO_ROLES = '0x80042f09';
/** How long after a 429 the bot asks Dynamics only what leads need (no known-customer lookups). */
const BUSY_MS = 60_000;
const HEADERS = { accept: 'application/json', 'odata-maxversion': '4.0', 'odata-version': '4.0' };

/** A string literal for a $filter: quotes doubled, as OData escapes them. */
function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A string for contains/startswith/endswith: Dataverse reads %, _ and [ in it as SQL wildcards,
 * so each is bracketed to stand for itself.
 */
function literally(value: string): string {
  return quoted(value.replace(/[[%_]/g, (c) => `[${c}]`));
}

/**
 * Accounts at a mail domain: their e-mail there, or their website on it, written as people write
 * it (with or without https:// or www., with or without a path). Whole hosts only, so acme.co is
 * never acme.com; the website by prefix, which Dataverse can answer from an index.
 */
function accountAt(domain: string): string {
  const sites = ['https://', 'http://', ''].flatMap((scheme) => [domain, `www.${domain}`].map((host) => `${scheme}${host}`));
  const website = sites.flatMap((site) => [`websiteurl eq ${quoted(site)}`, `startswith(websiteurl,${literally(`${site}/`)})`]);
  return `statecode eq 0 and (endswith(emailaddress1,${literally(`@${domain}`)}) or ${website.join(' or ')})`;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers | { get(name: string): string | null };
  readonly body: unknown;
}

/** Requests in flight before Dataverse has recommended a degree of parallelism (x-ms-dop-hint). */
const UNHINTED_DOP = 8;

/**
 * The Dataverse Web API, as far as leads need it. Carries the service's rules: one token
 * refresh on 401, Retry-After on 429 (and every request of this instance waits it out, since
 * the limits are per user), backoff with jitter on 5xx/412/timeouts, and a cap on concurrency.
 */
export class DataverseClient {
  private resumeAt = 0;
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];
  /**
   * Requests that may be in flight now: up to the ceiling, down to one after a 429, and back up
   * by one per answer that is not a 429, so traffic after the wait resumes gradually instead of
   * meeting the same limit all at once.
   */
  private allowed: number;
  /** The degree of parallelism Dataverse last recommended (x-ms-dop-hint), if it did. */
  private dopHint: number | undefined;
  /** Who the bot is in Dynamics, asked once (findCustomer tells its own leads from sellers'). */
  private me: Promise<WhoAmI> | undefined;
  /** When the last 429 came: answers to requests sent before it say nothing about now. */
  private throttledAt = 0;

  constructor(
    private readonly settings: DynamicsSettings,
    private readonly tokens: TokenSource,
    private readonly transport: HttpTransport,
    private readonly logger: Logger,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.allowed = this.ceiling();
  }

  /**
   * The most requests in flight: what Dataverse recommends for the environment (x-ms-dop-hint
   * on its answers; UNHINTED_DOP until it has said), never more than DYNAMICS_MAX_CONCURRENCY.
   */
  private ceiling(): number {
    return Math.min(this.settings.maxConcurrency, this.dopHint ?? UNHINTED_DOP);
  }

  async whoAmI(): Promise<WhoAmI> {
    const answer = await this.withRetries(() => this.send('GET', 'WhoAmI'));
    const body = answer.body as { UserId?: string; BusinessUnitId?: string; OrganizationId?: string };
    return { userId: body.UserId ?? '', businessUnitId: body.BusinessUnitId ?? '', organizationId: body.OrganizationId ?? '' };
  }

  /**
   * Creates the lead under its own id. A row that already has that id is this lead written
   * before (a crash or a timeout after Dynamics committed): that counts as done, not as an error.
   */
  async createLead(record: LeadRecord): Promise<{ id: string; created: boolean }> {
    try {
      const answer = await this.withRetries(() => this.send('POST', 'leads', record));
      const id = entityIdOf(answer);
      // Anything but the documented answers means DYNAMICS_URL is not a Dataverse Web API.
      if ((answer.status !== 201 && answer.status !== 204) || id === undefined) {
        throw dynamicsError('DYNAMICS_URL_WRONG', `(HTTP ${answer.status} without a record id)`);
      }
      return { id, created: true };
    } catch (error) {
      if (error instanceof DuplicateKey) return { id: record.leadid, created: false };
      throw error;
    }
  }

  /**
   * The Dynamics user of an Entra user: by object id (how Dynamics keeps users synced from
   * Entra), else by primary e-mail (a claim from a lead mail knows only the address). Undefined
   * when Dynamics has none.
   */
  async findUser(who: { readonly aadObjectId?: string | undefined; readonly email?: string | undefined }): Promise<DynamicsUser | undefined> {
    const filters = [
      // A GUID literal goes unquoted; anything else is not an object id, and is not sent.
      who.aadObjectId !== undefined && GUID.test(who.aadObjectId) ? `azureactivedirectoryobjectid eq ${who.aadObjectId}` : undefined,
      who.email === undefined ? undefined : `internalemailaddress eq ${quoted(who.email)}`,
    ].filter((f) => f !== undefined);
    for (const filter of filters) {
      // An enabled user first, should an address belong to a disabled one too.
      const answer = await this.withRetries(() => this.send('GET', `systemusers?$select=fullname,isdisabled&$filter=${encodeURIComponent(filter)}&$orderby=isdisabled asc&$top=1`));
      const [user] = (answer.body as { value?: { systemuserid?: string; fullname?: string; isdisabled?: boolean }[] } | undefined)?.value ?? [];
      if (user?.systemuserid !== undefined) return { id: user.systemuserid, name: user.fullname ?? '', disabled: user.isdisabled === true };
    }
    return undefined;
  }

  /** Makes a user the lead's owner (the Lead table's Assign). If-Match: * so a lead deleted in Dynamics is not created again. */
  async assignLead(leadId: string, userId: string): Promise<void> {
    await this.withRetries(() => this.send('PATCH', `leads(${leadId})`, { 'ownerid@odata.bind': `/systemusers(${userId})` }, { 'if-match': '*' }, userId));
  }

  /** The lead's state and status reason as Dynamics has them now. */
  async leadState(leadId: string): Promise<LeadState> {
    const answer = await this.withRetries(() => this.send('GET', `leads(${leadId})?$select=statecode,statuscode`));
    const body = answer.body as { statecode?: unknown; statuscode?: unknown } | undefined;
    return { state: Number(body?.statecode), reason: Number(body?.statuscode) };
  }

  /** Sets the lead's state and status reason together, as the Lead table's SetState does; If-Match: * as for Assign. */
  async setLeadState(leadId: string, to: LeadState): Promise<void> {
    await this.withRetries(() => this.send('PATCH', `leads(${leadId})`, { statecode: to.state, statuscode: to.reason }, { 'if-match': '*' }));
  }

  /** The bot's own user in Dynamics, asked once; undefined while Dynamics cannot say. */
  private async ownUserId(): Promise<string | undefined> {
    try {
      this.me ??= this.whoAmI();
      return (await this.me).userId;
    } catch {
      this.me = undefined;
      return undefined;
    }
  }

  /** Deletes a lead (the scheduled self-check's test lead); one already gone is fine. */
  async deleteLead(leadId: string): Promise<void> {
    try {
      await this.withRetries(() => this.send('DELETE', `leads(${leadId})`));
    } catch (error) {
      if (!(error instanceof DynamicsError && error.code === 'DYNAMICS_RECORD_NOT_FOUND')) throw error;
    }
  }

  /** The link a seller opens the record with. */
  recordUrl(id: string, table: 'lead' | 'contact' | 'account' = 'lead'): string | undefined {
    return GUID.test(id) ? `${this.settings.url}/main.aspx?pagetype=entityrecord&etn=${table}&id=${id}` : undefined;
  }

  /**
   * What Dynamics knows of a customer already (#16): a contact with their address, another open
   * lead with it (and its owner's name), an account at their company's mail domain. One try of
   * each, side by side, with no retries: the lead's card goes out without it, and shows it if it
   * comes. Undefined (not asked) while Dynamics is throttling; throws only when every look failed.
   */
  async findCustomer(email: string, companyDomain: string | undefined, exceptLeadId: string): Promise<KnownCustomer | undefined> {
    const address = quoted(email);
    if (!GUID.test(exceptLeadId)) throw new Error('a lead id is a GUID');
    // Throttled within the last minute: Dataverse's request budget goes to writing leads (the drain bench: three looks per lead made a backlog drain 5.6 times slower).
    if (this.throttledAt > 0 && performance.now() - this.throttledAt < BUSY_MS) return undefined;
    const first = async <T>(resource: string, row: (found: Record<string, unknown>) => T | undefined, headers: Record<string, string> = {}): Promise<T | undefined> => {
      const answer = await this.send('GET', resource, undefined, headers);
      const [found] = (answer.body as { value?: Record<string, unknown>[] } | undefined)?.value ?? [];
      return found === undefined ? undefined : row(found);
    };
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    const looks = await Promise.allSettled([
      first(`contacts?$select=fullname,createdon&$filter=${encodeURIComponent(`emailaddress1 eq ${address} and statecode eq 0`)}&$orderby=createdon asc&$top=1`, (c) => {
        const url = this.recordUrl(text(c.contactid), 'contact');
        return url === undefined ? undefined : { name: text(c.fullname), since: text(c.createdon), url };
      }),
      first(
        `leads?$select=fullname,_ownerid_value&$filter=${encodeURIComponent(`emailaddress1 eq ${address} and statecode eq 0 and leadid ne ${exceptLeadId}`)}&$orderby=createdon asc&$top=1`,
        (l) => {
          const url = this.recordUrl(text(l.leadid));
          if (url === undefined) return undefined;
          return { name: text(l.fullname), owner: text(l['_ownerid_value@OData.Community.Display.V1.FormattedValue']), ownerId: text(l._ownerid_value), url };
        },
        // The owner's name comes as an annotation.
        { prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' },
      ),
      companyDomain === undefined
        ? Promise.resolve(undefined)
        : first(`accounts?$select=name&$filter=${encodeURIComponent(accountAt(companyDomain))}&$orderby=createdon asc&$top=1`, (a) => {
            const url = this.recordUrl(text(a.accountid), 'account');
            return url === undefined ? undefined : { name: text(a.name), url };
          }),
    ]);
    const failed = looks.filter((l) => l.status === 'rejected');
    if (failed.length === looks.length - (companyDomain === undefined ? 1 : 0) && failed[0] !== undefined) throw failed[0].reason;
    const [contact, found, account] = looks.map((l) => (l.status === 'fulfilled' ? l.value : undefined)) as [KnownCustomer['contact'], (KnownCustomer['openLead'] & { ownerId: string }) | undefined, KnownCustomer['account']];
    // A lead the bot wrote and nobody claimed is still the bot's own: "not claimed yet", not "owned by" it.
    const bot = found === undefined ? undefined : await this.ownUserId();
    const openLead = found === undefined ? undefined : { name: found.name, owner: found.ownerId === bot ? '' : found.owner, url: found.url };
    return { ...(contact === undefined ? {} : { contact }), ...(openLead === undefined ? {} : { openLead }), ...(account === undefined ? {} : { account }) };
  }

  private withRetries(call: () => Promise<Answer>): Promise<Answer> {
    return withRetries(
      call,
      this.retry,
      (error) => (error instanceof DynamicsError && error.kind === 'transient' ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false }),
      {
        onRetry: (error, attempt, waitMs) => {
          this.logger.debug({ code: (error as DynamicsError).code, attempt, waitMs }, 'Dynamics call will be retried');
        },
      },
    );
  }

  /** One request; a 401 gets one fresh token and one more try. `newOwner`: the user an assignment names, whose refusals are theirs. */
  private async send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', resource: string, body?: unknown, headers: Record<string, string> = {}, newOwner?: string): Promise<Answer> {
    const first = await this.once(method, resource, body, headers, false);
    const answer = first.status === 401 ? await this.once(method, resource, body, headers, true) : first;
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.explain(answer, newOwner);
  }

  private async once(method: string, resource: string, body: unknown, headers: Record<string, string>, forceRefresh: boolean): Promise<Answer> {
    const token = await this.tokens.getToken({ forceRefresh });
    await this.acquireSlot();
    try {
      const wait = this.resumeAt - Date.now();
      // A long throttle goes back to the caller (the lead is retried later) instead of
      // holding a slot, and the shutdown, for minutes.
      if (wait > this.retry.maxRetryAfterMs) throw dynamicsError('DYNAMICS_THROTTLED', '', wait);
      if (wait > 0) await sleep(wait);
      const sentAt = performance.now();
      const response = await this.transport.fetch(`${this.settings.url}${API_PATH}${resource}`, {
        method,
        headers: { ...HEADERS, ...headers, authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        // A redirect would turn the POST into a GET of some page: that is never Dataverse.
        redirect: 'manual',
      });
      const text = await response.text();
      const hint = Number(response.headers.get('x-ms-dop-hint') ?? '');
      if (Number.isInteger(hint) && hint > 0) this.dopHint = hint;
      if (response.status === 429) {
        // The limits are per user: every request from this instance holds back, not just this
        // one. Set before the slot is released, so the waiter it goes to already waits.
        this.resumeAt = Math.max(this.resumeAt, Date.now() + retryAfterOf(response.headers));
        this.allowed = 1;
        this.throttledAt = performance.now();
      } else if (sentAt > this.throttledAt) {
        this.allowed = Math.min(this.ceiling(), this.allowed + 1);
      }
      return { status: response.status, headers: response.headers, body: parseJsonOrUndefined(text) };
    } catch (error) {
      throw explainNetworkFailure(error);
    } finally {
      this.releaseSlot();
    }
  }

  private explain(answer: Answer, newOwner?: string): Error {
    const odata = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const detail =
      odata?.message === undefined
        ? `(HTTP ${answer.status})`
        : `Dynamics said: "${withoutPersonalData(odata.message)}" (${odata.code ?? ''}, HTTP ${answer.status})`;
    if (odata?.code === DUPLICATE_KEY) return new DuplicateKey();
    // One record's refusals, by their code: they say nothing about the connection, so they must
    // not read as a wrong URL or a missing role (which hold every lead back).
    const code = odata?.code?.toLowerCase() ?? '';
    // A user the owner's bind names that is not there cannot own the lead; any other record is the lead.
    if (code === RECORD_MISSING) return dynamicsError(/^systemuser\b/i.test(odata?.message ?? '') ? 'DYNAMICS_OWNER_CANNOT_OWN' : 'DYNAMICS_RECORD_NOT_FOUND', detail);
    if (OWNER_REFUSALS.includes(code) || (code === NO_ROLES && answer.status === 400)) return dynamicsError('DYNAMICS_OWNER_CANNOT_OWN', detail);
    // A privilege check names the principal it failed for, and the caller: the new owner's role (it cannot read leads), not ours.
    if (code === MISSING_PRIVILEGE && newOwner !== undefined && isOwnersPrivilege(odata?.message ?? '', newOwner)) return dynamicsError('DYNAMICS_OWNER_CANNOT_OWN', detail);
    switch (true) {
      case answer.status === 401:
        return dynamicsError('DYNAMICS_NOT_AUTHORISED');
      case answer.status === 403:
        return dynamicsError(/SecLib|0x80042f09/i.test(`${odata?.code ?? ''} ${odata?.message ?? ''}`) ? 'DYNAMICS_ROLE_MISSING' : 'DYNAMICS_FORBIDDEN', detail);
      // Dataverse explains every refusal in an OData error body; a bare 4xx is some other server.
      case answer.status === 404 || (answer.status >= 300 && answer.status < 400) || (answer.status < 500 && odata?.code === undefined):
        return dynamicsError('DYNAMICS_URL_WRONG', detail);
      case answer.status === 429:
        return dynamicsError('DYNAMICS_THROTTLED', detail, retryAfterOf(answer.headers));
      case answer.status === 412 || answer.status >= 500:
        return dynamicsError('DYNAMICS_UNAVAILABLE', detail);
      default:
        return dynamicsError('DYNAMICS_LEAD_REJECTED', detail);
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.inFlight < this.allowed) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private releaseSlot(): void {
    this.inFlight--;
    // Waiters go in order, as many as are allowed now (fewer after a 429, more as answers come).
    while (this.inFlight < this.allowed) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.inFlight++;
      next();
    }
  }
}

/** Dataverse's "Cannot insert duplicate key": the record with this id exists already. */
class DuplicateKey extends Error {}

function entityIdOf(answer: Answer): string | undefined {
  const header = answer.headers.get('odata-entityid');
  const fromHeader = header === null ? undefined : /\(([0-9a-f-]{36})\)\s*$/i.exec(header)?.[1];
  const fromBody = (answer.body as { leadid?: string } | undefined)?.leadid;
  return fromHeader ?? fromBody;
}

/**
 * Whether a missing privilege is the new owner's: "Principal user (Id=<them>, …) is missing … privilege …
 * context.Caller=<us>". Assigned to ourselves (validate does), it is ours.
 */
function isOwnersPrivilege(message: string, newOwner: string): boolean {
  const principal = /Principal user \(Id=([0-9a-f-]{36})/i.exec(message)?.[1]?.toLowerCase();
  const caller = /context\.Caller=([0-9a-f-]{36})/i.exec(message)?.[1]?.toLowerCase();
  return principal === newOwner.toLowerCase() && caller !== undefined && caller !== principal;
}

/** Dataverse's service protection always sends Retry-After; should one be missing, a few seconds. */
function retryAfterOf(headers: Answer['headers']): number {
  return parseRetryAfter(headers.get('retry-after')) ?? 5_000;
}

function explainNetworkFailure(error: unknown): Error {
  if (error instanceof DynamicsError) return error;
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return dynamicsError('DYNAMICS_TIMEOUT');
  const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
  if (code === 'ENOTFOUND') return dynamicsError('DYNAMICS_URL_NOT_FOUND');
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return dynamicsError('DYNAMICS_TLS', `(${code})`);
  return dynamicsError('DYNAMICS_UNAVAILABLE', code === '' ? '' : `(${code})`);
}

/**
 * Dataverse messages can quote column values; these end up in logs and dead letters, so
 * e-mail addresses and phone numbers are taken out.
 */
function withoutPersonalData(text: string): string {
  return text.replace(/[^\s@'"]+@[^\s@'"]+/g, '[e-mail]').replace(/\+?\d[\d\s().-]{6,}\d/g, '[number]');
}
