import { LeadFailure, type FailureKind } from '../pipeline/lead-failure';

/** A failure to sign in or write to Dynamics: a stable code, and the fix in plain words. */
export class DynamicsError extends LeadFailure {
  constructor(
    readonly code: DynamicsErrorCode,
    readonly kind: FailureKind,
    message: string,
    readonly fix: string,
    /** How long the service asked us to wait (429 Retry-After), in ms. */
    override readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DynamicsError';
  }
}

export type DynamicsErrorCode = keyof typeof CATALOG;

interface Entry {
  readonly kind: FailureKind;
  readonly message: string;
  readonly fix: string;
}

const APP_REGISTRATION = 'the app registration in the Azure portal (Microsoft Entra ID → App registrations)';
const POWER_PLATFORM_USERS =
  'the Power Platform admin center → Environments → your environment → Settings → Users + permissions';

/**
 * Every failure publishers meet when connecting leads to Dynamics (Partner Center's lead FAQ
 * and Entra's AADSTS codes, docs/domain.md §1.4 and §3), each with what to do about it.
 */
const CATALOG = {
  DYNAMICS_SECRET_INVALID: {
    kind: 'configuration',
    message: 'Sign-in failed: the client secret is not valid (AADSTS7000215).',
    fix: `In ${APP_REGISTRATION} → Certificates & secrets, create a new client secret and put its Value (not its Secret ID) in DYNAMICS_CLIENT_SECRET.`,
  },
  DYNAMICS_SECRET_EXPIRED: {
    kind: 'configuration',
    message: 'Sign-in failed: the client secret has expired (AADSTS7000222).',
    fix: `In ${APP_REGISTRATION} → Certificates & secrets, create a new client secret and put its Value in DYNAMICS_CLIENT_SECRET. Waiting leads are written as soon as sign-in works again.`,
  },
  DYNAMICS_APP_NOT_FOUND: {
    kind: 'configuration',
    message: 'Sign-in failed: no application with this Application (client) ID exists in the directory (AADSTS700016).',
    fix: `Copy the Application (client) ID and Directory (tenant) ID from the Overview page of ${APP_REGISTRATION} into DYNAMICS_CLIENT_ID and DYNAMICS_TENANT_ID.`,
  },
  DYNAMICS_TENANT_NOT_FOUND: {
    kind: 'configuration',
    message: 'Sign-in failed: the tenant was not found (AADSTS90002).',
    fix: 'Copy the Directory (tenant) ID from the app registration\'s Overview page into DYNAMICS_TENANT_ID; for a sovereign cloud, also set DYNAMICS_AUTHORITY_HOST.',
  },
  DYNAMICS_USER_WRONG_PASSWORD: {
    kind: 'configuration',
    message: 'Sign-in failed: wrong user name or password (AADSTS50126).',
    fix: 'Check DYNAMICS_USERNAME and DYNAMICS_PASSWORD by signing in as that user at the Microsoft 365 portal; or switch to the Azure AD app option (DYNAMICS_AUTH=aad), which Microsoft recommends.',
  },
  DYNAMICS_PASSWORD_EXPIRED: {
    kind: 'configuration',
    message: 'Sign-in failed: the Office 365 user\'s password has expired (AADSTS50055).',
    fix: 'Sign in as that user to set a new password, then put it in DYNAMICS_PASSWORD. Passwords of this option must change every 90 days: the Azure AD app option (DYNAMICS_AUTH=aad) avoids that.',
  },
  DYNAMICS_MFA_REQUIRED: {
    kind: 'configuration',
    message: 'Sign-in failed: the Office 365 user must use multi-factor authentication, which a bot cannot do (AADSTS50076).',
    fix: 'Use the Azure AD app option (DYNAMICS_AUTH=aad), or have your admin exclude this service user from MFA with a Conditional Access policy.',
  },
  DYNAMICS_PUBLIC_CLIENT_DISABLED: {
    kind: 'configuration',
    message: 'Sign-in failed: the app in DYNAMICS_CLIENT_ID does not allow user-name-and-password sign-in (AADSTS7000218).',
    fix: `In ${APP_REGISTRATION} → Authentication, set "Allow public client flows" to Yes; or leave DYNAMICS_CLIENT_ID empty to sign in through Microsoft's Dataverse sample client.`,
  },
  DYNAMICS_RESOURCE_NOT_FOUND: {
    kind: 'configuration',
    message: 'Sign-in failed: Entra ID knows no Dynamics environment at DYNAMICS_URL in this tenant (AADSTS500011).',
    fix: 'Check DYNAMICS_URL against the Environment URL in the Power Platform admin center, and that the environment belongs to the same tenant as the app or user.',
  },
  DYNAMICS_ACCOUNT_BLOCKED: {
    kind: 'configuration',
    message: 'Sign-in failed: the user account is locked or disabled.',
    fix: 'Unlock or enable the user in the Microsoft 365 admin center, or switch to the Azure AD app option (DYNAMICS_AUTH=aad).',
  },
  DYNAMICS_SIGN_IN_FAILED: {
    kind: 'configuration',
    message: 'Sign-in failed.',
    fix: 'Check the Dynamics sign-in settings (DYNAMICS_AUTH and the settings of that option) against Partner Center\'s connection form; the AADSTS code in the message names the cause.',
  },
  DYNAMICS_AUTHORITY_UNREACHABLE: {
    kind: 'transient',
    message: 'Sign-in failed: the sign-in service could not be reached.',
    fix: 'Check the network from this host to DYNAMICS_AUTHORITY_HOST (default https://login.microsoftonline.com). Leads wait and are retried.',
  },
  DYNAMICS_NOT_AUTHORISED: {
    kind: 'configuration',
    message: 'Dynamics refused the sign-in token (401).',
    fix: `Make sure DYNAMICS_URL is the environment the app or user belongs to, and that the app is an application user there (${POWER_PLATFORM_USERS} → Application users → New app user).`,
  },
  DYNAMICS_ROLE_MISSING: {
    kind: 'configuration',
    message: 'Dynamics refused: no security role is assigned to the user (SecLib::RetrievePrivilegeForUser).',
    fix: `In ${POWER_PLATFORM_USERS} → Application users (or Users), select the bot's user → Manage roles, and assign a role that can create leads, such as Salesperson.`,
  },
  DYNAMICS_FORBIDDEN: {
    kind: 'configuration',
    message: 'Dynamics refused the request (403).',
    fix: `Give the bot's user a security role with Create and Read on Lead (${POWER_PLATFORM_USERS}).`,
  },
  DYNAMICS_URL_NOT_FOUND: {
    kind: 'configuration',
    message: 'Nothing answers at DYNAMICS_URL: the host name does not resolve.',
    fix: 'Copy the environment URL (https://<org>.crm<N>.dynamics.com) from the Power Platform admin center → Environments → your environment → Environment URL into DYNAMICS_URL.',
  },
  DYNAMICS_URL_WRONG: {
    kind: 'configuration',
    message: 'DYNAMICS_URL answers, but not as a Dynamics 365 Web API.',
    fix: 'Set DYNAMICS_URL to the environment URL itself, like https://contoso.crm4.dynamics.com, with no path (Power Platform admin center → Environments → Environment URL).',
  },
  DYNAMICS_TLS: {
    kind: 'configuration',
    message: 'The TLS certificate of DYNAMICS_URL or the sign-in host is not trusted.',
    fix: 'Check DYNAMICS_URL and DYNAMICS_AUTHORITY_HOST; behind a TLS-inspecting proxy, give Node its certificate with NODE_EXTRA_CA_CERTS.',
  },
  DYNAMICS_THROTTLED: {
    kind: 'transient',
    message: 'Dynamics is throttling requests (429, service protection limits).',
    fix: 'Nothing to do: the bot waits as Dynamics asks. If it persists, lower DYNAMICS_MAX_CONCURRENCY.',
  },
  DYNAMICS_UNAVAILABLE: {
    kind: 'transient',
    message: 'Dynamics is not answering properly (5xx or connection failure).',
    fix: 'Nothing to do unless it lasts: leads wait and are retried with backoff. Check the environment\'s health in the Power Platform admin center.',
  },
  DYNAMICS_TIMEOUT: {
    kind: 'transient',
    message: 'Dynamics did not answer in time.',
    fix: 'If every request times out, DYNAMICS_URL may point at the wrong place (Partner Center shows this as "request channel timed out"); check it.',
  },
  DYNAMICS_LEAD_REJECTED: {
    kind: 'rejected',
    message: 'Dynamics rejected the lead.',
    fix: 'Read the message from Dynamics; a customisation on the Lead table (a required column or a plug-in) may refuse it. Fix that, then retry the dead-lettered lead.',
  },
} satisfies Record<string, Entry>;

/** Every code, with what it means for the lead; for documentation checks. */
export const DYNAMICS_ERROR_KINDS: Readonly<Record<DynamicsErrorCode, FailureKind>> = Object.fromEntries(
  Object.entries(CATALOG).map(([code, entry]) => [code, entry.kind]),
) as Record<DynamicsErrorCode, FailureKind>;

/** A catalogued error; `detail` (never a secret) is appended to the message. */
export function dynamicsError(code: DynamicsErrorCode, detail?: string, retryAfterMs?: number): DynamicsError {
  const entry: Entry = CATALOG[code];
  const message = detail === undefined || detail === '' ? entry.message : `${entry.message} ${detail}`;
  return new DynamicsError(code, entry.kind, message, entry.fix, retryAfterMs);
}
