import type { Language } from '../language/language';
import { message } from '../language/messages';
import { LeadFailure, type FailureKind } from '../pipeline/lead-failure';

/** A failure to sign in or write to Dynamics: a stable code, and the fix in plain words. */
export class DynamicsError extends LeadFailure {
  constructor(
    readonly code: DynamicsErrorCode,
    readonly kind: FailureKind,
    message: string,
    readonly fix: string,
    /** What the service said (an AADSTS line, Dataverse's error), appended to the message in any language. */
    readonly detail: string,
    /** How long the service asked us to wait (429 Retry-After), in ms. */
    override readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DynamicsError';
  }
}

export type DynamicsErrorCode = keyof typeof CATALOG;

/**
 * Every failure publishers meet when connecting leads to Dynamics (Partner Center's lead FAQ
 * and Entra's AADSTS codes, docs/domain.md §1.4 and §3), and what it means for the lead. What
 * each says and what to do about it are in the catalogues (dynamicsError.<code>.message and .fix),
 * in each language.
 */
const CATALOG = {
  DYNAMICS_SECRET_INVALID: 'configuration',
  DYNAMICS_SECRET_EXPIRED: 'configuration',
  DYNAMICS_APP_NOT_FOUND: 'configuration',
  DYNAMICS_TENANT_NOT_FOUND: 'configuration',
  DYNAMICS_USER_WRONG_PASSWORD: 'configuration',
  DYNAMICS_PASSWORD_EXPIRED: 'configuration',
  DYNAMICS_MFA_REQUIRED: 'configuration',
  DYNAMICS_PUBLIC_CLIENT_DISABLED: 'configuration',
  DYNAMICS_RESOURCE_NOT_FOUND: 'configuration',
  DYNAMICS_ACCOUNT_BLOCKED: 'configuration',
  DYNAMICS_SIGN_IN_FAILED: 'configuration',
  DYNAMICS_AUTHORITY_UNREACHABLE: 'transient',
  DYNAMICS_NOT_AUTHORISED: 'configuration',
  DYNAMICS_ROLE_MISSING: 'configuration',
  DYNAMICS_FORBIDDEN: 'configuration',
  DYNAMICS_URL_NOT_FOUND: 'configuration',
  DYNAMICS_URL_WRONG: 'configuration',
  DYNAMICS_TLS: 'configuration',
  DYNAMICS_THROTTLED: 'transient',
  DYNAMICS_UNAVAILABLE: 'transient',
  DYNAMICS_TIMEOUT: 'transient',
  DYNAMICS_LEAD_REJECTED: 'rejected',
  DYNAMICS_RECORD_NOT_FOUND: 'rejected',
  DYNAMICS_OWNER_CANNOT_OWN: 'rejected',
  DYNAMICS_LEAD_CLOSED: 'rejected',
} satisfies Record<string, FailureKind>;

/** Every code, with what it means for the lead; for documentation checks. */
export const DYNAMICS_ERROR_KINDS: Readonly<Record<DynamicsErrorCode, FailureKind>> = CATALOG;

/** A catalogued error, in English for the log and storage; `detail` (never a secret) is appended to the message. */
export function dynamicsError(code: DynamicsErrorCode, detail?: string, retryAfterMs?: number): DynamicsError {
  const { message, fix } = explained(code, detail ?? '', 'en');
  return new DynamicsError(code, CATALOG[code], message, fix, detail ?? '', retryAfterMs);
}

/** What a Dynamics failure says and how to fix it, in the reader's language (what the service said, as it said it). */
export function explainDynamicsError(error: DynamicsError, language: Language): { readonly message: string; readonly fix: string } {
  return explained(error.code, error.detail, language);
}

/**
 * A Dynamics failure recorded in English (a dead letter, an incident), in the reader's words:
 * what the service said after the catalogue's words is kept as it came. Another code's, as recorded.
 */
export function explainRecorded(recorded: { readonly code: string; readonly message: string; readonly fix: string }, language: Language): { message: string; fix: string } {
  if (!(recorded.code in CATALOG)) return { message: recorded.message, fix: recorded.fix };
  const code = recorded.code as DynamicsErrorCode;
  const english = message('en', `dynamicsError.${code}.message`);
  if (!recorded.message.startsWith(english)) return { message: recorded.message, fix: explained(code, '', language).fix };
  return explained(code, recorded.message.slice(english.length).trim(), language);
}

function explained(code: DynamicsErrorCode, detail: string, language: Language): { message: string; fix: string } {
  const said = message(language, `dynamicsError.${code}.message`);
  return { message: detail === '' ? said : `${said} ${detail}`, fix: message(language, `dynamicsError.${code}.fix`) };
}
