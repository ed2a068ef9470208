import type { AuthenticationResult } from '@azure/msal-node';
import type { DynamicsSettings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import type { FailureCatalog } from '../pipeline/lead-failure';
import { DYNAMICS_ERROR_KINDS, DynamicsError, dynamicsError, explainRecorded, type DynamicsErrorCode } from './dynamics-error';
import { aadstsOf, entraSignIn } from '../http/entra';
import type { HttpTransport } from '../http/http-transport';
import type { Language } from '../language/language';
import { message } from '../language/messages';

/** Access tokens for Dataverse, from whichever sign-in option Partner Center's form offers. */
export interface TokenSource {
  /** A valid token; `forceRefresh` after Dataverse answered 401 to the cached one. */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

/**
 * The public client Microsoft documents for Dataverse samples and tools; the Office 365 option
 * signs in through it unless DYNAMICS_CLIENT_ID names an app of the publisher's own.
 */
export const DATAVERSE_SAMPLE_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';

/** Tokens are renewed this long before they expire, so none expires in flight. */
const RENEW_BEFORE_MS = 5 * 60_000;

const AADSTS_CODES: Readonly<Record<string, DynamicsErrorCode>> = {
  '7000215': 'DYNAMICS_SECRET_INVALID',
  '7000222': 'DYNAMICS_SECRET_EXPIRED',
  '700016': 'DYNAMICS_APP_NOT_FOUND',
  '90002': 'DYNAMICS_TENANT_NOT_FOUND',
  '50126': 'DYNAMICS_USER_WRONG_PASSWORD',
  '50055': 'DYNAMICS_PASSWORD_EXPIRED',
  '50076': 'DYNAMICS_MFA_REQUIRED',
  '50079': 'DYNAMICS_MFA_REQUIRED',
  '7000218': 'DYNAMICS_PUBLIC_CLIENT_DISABLED',
  '500011': 'DYNAMICS_RESOURCE_NOT_FOUND',
  '50053': 'DYNAMICS_ACCOUNT_BLOCKED',
  '50057': 'DYNAMICS_ACCOUNT_BLOCKED',
};

/** Who the bot signs in to Dynamics as, in words, for admins: "Azure AD app 0f1e…" / "Office 365 user leads@contoso.com". */
export function describeSignIn(settings: DynamicsSettings, language: Language): string {
  return settings.auth === 'aad' ? message(language, 'dynamics.signInAad', { id: settings.clientId }) : message(language, 'dynamics.signInO365', { user: settings.username });
}

/** Codes meaning Entra ID refused the sign-in itself: a credential expired, changed or is wrong. */
export const SIGN_IN_REFUSED: ReadonlySet<DynamicsErrorCode> = new Set<DynamicsErrorCode>([...Object.values(AADSTS_CODES), 'DYNAMICS_SIGN_IN_FAILED']);

export function createTokenSource(settings: DynamicsSettings, transport: HttpTransport, logger: Logger): TokenSource {
  const tenant = settings.auth === 'aad' ? settings.tenantId : tenantOfUser(settings.username);
  const authority = `${settings.authorityHost}/${tenant}`;
  const signIn = entraSignIn(
    settings.auth === 'aad'
      ? { kind: 'client-secret', authority, clientId: settings.clientId, clientSecret: settings.clientSecret }
      : { kind: 'password', authority, clientId: settings.clientId ?? DATAVERSE_SAMPLE_CLIENT_ID, username: settings.username, password: settings.password },
    transport,
  );
  const acquire = (forceRefresh: boolean): Promise<AuthenticationResult | null> => signIn(settings.url, { forceRefresh });
  if (settings.auth === 'o365') {
    logger.warn('Dynamics sign-in uses the Office 365 user option; Microsoft recommends the Azure AD app option (DYNAMICS_AUTH=aad), whose credentials do not expire every 90 days');
  }

  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const fetchToken = async (forceRefresh: boolean): Promise<string> => {
    let result: AuthenticationResult | null;
    try {
      result = await acquire(forceRefresh);
    } catch (error) {
      throw await explainSignInFailure(error, authority, transport);
    }
    if (result === null) throw dynamicsError('DYNAMICS_SIGN_IN_FAILED', 'No token was returned.');
    const expiresAt = result.expiresOn?.getTime() ?? Date.now() + 3_600_000;
    cached = { token: result.accessToken, renewAt: Math.max(Date.now(), expiresAt - RENEW_BEFORE_MS) };
    return result.accessToken;
  };

  return {
    async getToken(options) {
      const forceRefresh = options?.forceRefresh === true;
      if (!forceRefresh && cached !== undefined && Date.now() < cached.renewAt) return cached.token;
      // Concurrent writers share one sign-in instead of each asking Entra.
      pending ??= fetchToken(forceRefresh).finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

/** For user sign-in the tenant is the user's domain, as Entra resolves it. */
function tenantOfUser(username: string): string {
  return username.slice(username.indexOf('@') + 1);
}

/** Turns what MSAL throws into a coded error with the fix; never includes a credential. */
async function explainSignInFailure(error: unknown, authority: string, transport: HttpTransport): Promise<DynamicsError> {
  const e = error as { errorCode?: string; errorMessage?: string; message?: string };
  const text = `${e.errorMessage ?? ''} ${e.message ?? ''}`;
  const aadsts = aadstsOf(error);
  if (aadsts !== undefined) return fromEntraCode(aadsts);
  if (e.errorCode === 'endpoints_resolution_error') {
    // MSAL could not read the authority's metadata; Entra says why in the body (AADSTS90002).
    return diagnoseAuthority(authority, transport);
  }
  if (/self.signed|certificate|CERT_/i.test(text)) return dynamicsError('DYNAMICS_TLS');
  return dynamicsError('DYNAMICS_AUTHORITY_UNREACHABLE', e.errorCode === undefined ? '' : `(${e.errorCode})`);
}

function fromEntraCode(aadsts: string): DynamicsError {
  return dynamicsError(AADSTS_CODES[aadsts] ?? 'DYNAMICS_SIGN_IN_FAILED', `Entra ID said AADSTS${aadsts}.`);
}

async function diagnoseAuthority(authority: string, transport: HttpTransport): Promise<DynamicsError> {
  try {
    const response = await transport.fetch(`${authority}/v2.0/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as { error_codes?: number[] };
    const code = body.error_codes?.[0];
    if (code !== undefined) return fromEntraCode(String(code));
    return dynamicsError('DYNAMICS_SIGN_IN_FAILED', `The sign-in metadata answered ${response.status}.`);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
    if (/CERT|SELF_SIGNED/.test(cause)) return dynamicsError('DYNAMICS_TLS');
    return dynamicsError('DYNAMICS_AUTHORITY_UNREACHABLE', cause === '' ? '' : `(${cause})`);
  }
}

/** Dynamics' failure codes as the pipeline's alarms read them from stored leads. */
export const DYNAMICS_FAILURES: FailureCatalog = {
  describe: (code) => (code in DYNAMICS_ERROR_KINDS ? dynamicsError(code as DynamicsErrorCode) : undefined),
  isSignInRefusal: (code) => SIGN_IN_REFUSED.has(code as DynamicsErrorCode),
  explain: explainRecorded,
};
