import type { AuthenticationResult } from '@azure/msal-node';
import { aadstsOf, entraSignIn } from '../http/entra';
import type { HttpTransport } from '../http/http-transport';
import type { GraphSource } from './credential';

/** What Graph says about a credential: a secret's expiry, or a password's last change. */
export interface GraphReading {
  readonly expiresAt?: string;
  readonly changedAt?: string;
}

/** Graph could not tell; the message says why and what an admin can do, with no secret in it. */
export class GraphUnavailable extends Error {}

interface PasswordCredential {
  readonly hint?: string | null;
  readonly endDateTime?: string | null;
}

const TIMEOUT_MS = 15_000;

/**
 * Reads a credential's dates from Microsoft Graph (docs/domain.md §4), signing in with the credential
 * itself: an app reads its own registration (needs Application.Read.All), a user their own
 * profile. Graph shows only the first three characters of each secret (`hint`), which is how
 * the secret in the settings is told apart from the app's others.
 */
export async function readExpiryFromGraph(source: GraphSource, graphUrl: string, transport: HttpTransport): Promise<GraphReading> {
  const token = await signIn(source, graphUrl, transport);
  if (source.type === 'own-password') {
    const me = await get<{ lastPasswordChangeDateTime?: string }>(`${graphUrl}/v1.0/me?$select=lastPasswordChangeDateTime`, token, transport, 'User.Read (delegated)');
    if (me.lastPasswordChangeDateTime === undefined) throw new GraphUnavailable('Graph did not say when the password was last changed.');
    return { changedAt: isoDate(me.lastPasswordChangeDateTime) };
  }
  const app = await get<{ passwordCredentials?: PasswordCredential[] }>(
    `${graphUrl}/v1.0/applications(appId='${encodeURIComponent(source.appId)}')?$select=passwordCredentials`,
    token,
    transport,
    'Application.Read.All (application permission, with admin consent)',
  );
  const ends = (app.passwordCredentials ?? [])
    .filter((c) => c.hint === source.secret.slice(0, 3) && typeof c.endDateTime === 'string')
    .map((c) => Date.parse(isoDate(c.endDateTime ?? '')));
  if (ends.length === 0) throw new GraphUnavailable(`None of app ${source.appId}'s client secrets in Graph is the one in the bot's settings.`);
  // Two secrets with the same first three characters: remind about the one that ends first.
  return { expiresAt: new Date(Math.min(...ends)).toISOString() };
}

async function signIn(source: GraphSource, graphUrl: string, transport: HttpTransport): Promise<string> {
  // The credential signs in as itself: an app reads its own registration, a user their own profile.
  const acquire = entraSignIn(
    source.type === 'app-secret'
      ? { kind: 'client-secret', authority: source.authority, clientId: source.appId, clientSecret: source.secret }
      : { kind: 'password', authority: source.authority, clientId: source.clientId, username: source.username, password: source.password },
    transport,
  );
  let result: AuthenticationResult | null;
  try {
    result = await acquire(graphUrl);
  } catch (error) {
    const code = aadstsOf(error);
    throw new GraphUnavailable(`Signing in to Graph failed${code === undefined ? '' : ` (AADSTS${code})`}.`);
  }
  if (result === null) throw new GraphUnavailable('Signing in to Graph returned no token.');
  return result.accessToken;
}

async function get<T>(url: string, token: string, transport: HttpTransport, permission: string): Promise<T> {
  let response;
  try {
    response = await transport.fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new GraphUnavailable(`Graph did not answer at ${new URL(url).origin}.`);
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: { code?: string } };
  if (response.ok) return body;
  // Graph's error code goes onto cards: only a code's characters, never free text.
  const given = body.error?.code;
  const code = given !== undefined && /^[A-Za-z_.]{1,60}$/.test(given) ? given : `HTTP ${String(response.status)}`;
  if (response.status === 401 || response.status === 403) throw new GraphUnavailable(`Graph refused (${code}): the sign-in needs ${permission}.`);
  throw new GraphUnavailable(`Graph answered ${String(response.status)} (${code}).`);
}

/** A date Graph sent, as ISO; an odd one is Graph's problem to report, not a crash. */
function isoDate(text: string): string {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new GraphUnavailable('Graph answered with a date that is not one.');
  return new Date(time).toISOString();
}
