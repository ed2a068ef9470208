import { setTimeout as sleep } from 'node:timers/promises';
import { ConfidentialClientApplication, ManagedIdentityApplication } from '@azure/msal-node';
import type { GraphAppSettings } from '../config/settings';
import type { HttpTransport } from '../http/http-transport';
import { parseJsonOrUndefined } from '../http/http-transport';
import { backoffDelay } from '../timing/backoff';

/** Graph refused or could not be reached; `code` is Graph's own (ErrorInvalidRecipients…) or ours. */
export class GraphError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly code: string,
    message: string,
    /** How long Graph asked to wait (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'GraphError';
  }

  /**
   * Whether the same request may work if sent again: throttling, outages, a connection that was
   * never made, a sign-in that could not reach Entra. Not a timeout or a dropped connection:
   * Graph may have done the work (a mail sent) and only the answer was lost.
   */
  get transient(): boolean {
    return this.code === 'GRAPH_UNREACHABLE' || this.code === 'GRAPH_SIGN_IN_UNREACHABLE' || this.status === 429 || (this.status !== undefined && this.status >= 500);
  }

  /** Graph said it did not do the request (throttled, unavailable), or it never reached Graph. */
  get notDone(): boolean {
    return this.code === 'GRAPH_UNREACHABLE' || this.code === 'GRAPH_SIGN_IN_UNREACHABLE' || this.status === 429 || this.status === 503 || this.status === 504;
  }
}

export interface GraphRetry {
  readonly attempts: number;
  readonly baseDelayMs: number;
  /** A longer Retry-After is not slept through: the request fails as transient, for the caller to retry later. */
  readonly maxRetryAfterMs: number;
}

const DEFAULT_RETRY: GraphRetry = { attempts: 4, baseDelayMs: 1_000, maxRetryAfterMs: 60_000 };
const TIMEOUT_MS = 30_000;

/**
 * Microsoft Graph as one app: an app registration (client credentials) or a managed identity
 * (App Service's identity endpoint), its token kept by MSAL; requests retried as Graph asks.
 */
export class GraphApp {
  private readonly acquire: () => Promise<string | undefined>;

  constructor(
    private readonly settings: GraphAppSettings,
    private readonly transport: HttpTransport,
    private readonly retry: GraphRetry = DEFAULT_RETRY,
  ) {
    const system = { networkClient: transport.msalNetwork };
    if (settings.kind === 'managed-identity') {
      const identity = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: settings.clientId }, system });
      this.acquire = async () => (await identity.acquireToken({ resource: settings.url })).accessToken;
    } else {
      const authority = `${settings.authorityHost}/${settings.tenantId}`;
      const app = new ConfidentialClientApplication({
        auth: { clientId: settings.clientId, clientSecret: settings.clientSecret, authority, knownAuthorities: [new URL(authority).host] },
        system,
      });
      this.acquire = async () => (await app.acquireTokenByClientCredential({ scopes: [`${settings.url}/.default`] }))?.accessToken;
    }
  }

  /** Graph's origin for this cloud, as links to its resources (odata.bind) name it. */
  get url(): string {
    return this.settings.url;
  }

  /**
   * Sends one request; what may safely be sent again is, after Retry-After (or backoff), up to
   * `attempts`: for a GET anything transient; for a POST only what Graph says it did not do
   * (429, 503, 504, a connection never made), so a mail is not sent twice. Resolves with the JSON
   * body (undefined for 202/204), rejects with a GraphError.
   */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, path, body);
      } catch (error) {
        const again = error instanceof GraphError && (method === 'GET' ? error.transient : error.notDone);
        if (!again || attempt >= this.retry.attempts) throw error;
        const waitMs = error.retryAfterMs ?? backoffDelay(attempt, this.retry.baseDelayMs, 30_000);
        if (waitMs > this.retry.maxRetryAfterMs) throw error;
        await sleep(waitMs);
      }
    }
  }

  private async once(method: 'GET' | 'POST', path: string, body: unknown): Promise<unknown> {
    const token = await this.token();
    let response;
    try {
      response = await this.transport.fetch(`${this.settings.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw new GraphError(undefined, 'GRAPH_TIMEOUT', `Microsoft Graph did not answer within ${String(TIMEOUT_MS / 1000)} s.`);
      // Only a connection never made is sure not to have reached Graph; a dropped one may have.
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
      if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(cause)) {
        throw new GraphError(undefined, 'GRAPH_UNREACHABLE', `Microsoft Graph could not be reached at ${this.settings.url}.`);
      }
      throw new GraphError(undefined, 'GRAPH_NO_ANSWER', `Microsoft Graph dropped the connection before answering (${cause || 'no reason given'}).`);
    }
    const text = await response.text();
    if (response.ok) return parseJsonOrUndefined(text);
    const error = (parseJsonOrUndefined(text) as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new GraphError(
      response.status,
      error?.code ?? `HTTP_${String(response.status)}`,
      error?.message ?? `Graph answered ${String(response.status)}.`,
      retryAfterOf(response.headers.get('retry-after')),
    );
  }

  private async token(): Promise<string> {
    const who = this.settings.kind === 'managed-identity' ? `the managed identity ${this.settings.clientId}` : `app ${this.settings.clientId}`;
    let token: string | undefined;
    try {
      token = await this.acquire();
    } catch (error) {
      const e = error as { errorMessage?: string; message?: string; errorCode?: string };
      const code = /AADSTS\d+/.exec(`${e.errorMessage ?? ''} ${e.message ?? ''}`)?.[0];
      // A refusal names an AADSTS code; anything else (no answer, a 5xx) may pass by itself.
      if (code === undefined) throw new GraphError(undefined, 'GRAPH_SIGN_IN_UNREACHABLE', `Signing in to Microsoft Graph as ${who} got no answer (${e.errorCode ?? 'no code'}).`);
      throw new GraphError(401, 'GRAPH_SIGN_IN_FAILED', `Signing in to Microsoft Graph as ${who} was refused (${code}).`);
    }
    if (token === undefined) throw new GraphError(401, 'GRAPH_SIGN_IN_FAILED', `Signing in to Microsoft Graph as ${who} gave no token.`);
    return token;
  }
}

function retryAfterOf(header: string | null): number | undefined {
  const seconds = Number(header);
  return header !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
