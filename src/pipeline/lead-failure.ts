import type { Language } from '../language/language';
/**
 * What a failure means for the lead, whoever met it (Dynamics, Teams, mail):
 * - `transient`: try the same lead again later (throttling, outages, timeouts);
 * - `configuration`: no lead can be written until an admin fixes a setting or a permission;
 *   leads wait, none is dropped or counted as failing;
 * - `rejected`: the service refused this lead's data; retrying will not help.
 */
export type FailureKind = 'transient' | 'configuration' | 'rejected';

/**
 * The failure contract of the pipeline: every failure it decides on (retry, wait for a fix, give
 * up) carries a stable code, what it means for the lead, and the fix in plain words. Dynamics,
 * Teams and mail raise their own kinds of it; the pipeline never needs to know which.
 */
export abstract class LeadFailure extends Error {
  abstract readonly code: string;
  abstract readonly kind: FailureKind;
  abstract readonly fix: string;
  /** How long the service asked to be left alone (429 Retry-After), in ms. */
  readonly retryAfterMs?: number;
}

export function isFailureKind(value: string | undefined): value is FailureKind {
  return value === 'transient' || value === 'configuration' || value === 'rejected';
}

/** What the pipeline may ask about a failure code it stored, of whoever defines the codes (src/dynamics/). */
export interface FailureCatalog {
  /** The code's message and fix, when the code is a known one. */
  describe(code: string): { readonly message: string; readonly fix: string } | undefined;
  /** Whether the code is Entra refusing the sign-in: the sign-in alarm's business, not the waiting-leads card's. */
  isSignInRefusal(code: string): boolean;
  /** A failure recorded in English (an incident, a dead letter), in the reader's words when its code is a known one. */
  explain(recorded: RecordedFailure, language: Language): { readonly message: string; readonly fix: string };
}

export interface RecordedFailure {
  readonly code: string;
  readonly message: string;
  readonly fix: string;
}
