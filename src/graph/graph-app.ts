import type { GraphAppSettings } from '../config/settings';
import { aadstsOf, entraSignIn } from '../http/entra';
import type { HttpTransport } from '../http/http-transport';
import { parseJsonOrUndefined } from '../http/http-transport';
import { parseRetryAfter, withRetries, type RetryPolicy } from '../http/retry';

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

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };
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
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    const signIn = entraSignIn(
      settings.kind === 'managed-identity'
        ? { kind: 'managed-identity', clientId: settings.clientId }
        : { kind: 'client-secret', authority: `${settings.authorityHost}/${settings.tenantId}`, clientId: settings.clientId, clientSecret: settings.clientSecret },
      transport,
    );
    this.acquire = async () => (await signIn(settings.url))?.accessToken;
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
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return withRetries(() => this.once(method, path, body), this.retry, (error) =>
      error instanceof GraphError && (method === 'GET' ? error.transient : error.notDone) ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false },
    );
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
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }

  private async token(): Promise<string> {
    const who = this.settings.kind === 'managed-identity' ? `the managed identity ${this.settings.clientId}` : `app ${this.settings.clientId}`;
    let token: string | undefined;
    try {
      token = await this.acquire();
    } catch (error) {
      const e = error as { errorMessage?: string; message?: string; errorCode?: string };
      const code = aadstsOf(error);
      // A refusal names an AADSTS code; anything else (no answer, a 5xx) may pass by itself.
      if (code === undefined) throw new GraphError(undefined, 'GRAPH_SIGN_IN_UNREACHABLE', `Signing in to Microsoft Graph as ${who} got no answer (${e.errorCode ?? 'no code'}).`);
      throw new GraphError(401, 'GRAPH_SIGN_IN_FAILED', `Signing in to Microsoft Graph as ${who} was refused (AADSTS${code}).`);
    }
    if (token === undefined) throw new GraphError(401, 'GRAPH_SIGN_IN_FAILED', `Signing in to Microsoft Graph as ${who} gave no token.`);
    return token;
  }
}


