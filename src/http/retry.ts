import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../timing/backoff';

/**
 * How long a service asked to be left alone, from its Retry-After header: delay-seconds or an
 * HTTP-date (RFC 9110 §10.2.3), in ms; undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Backoff between tries when the service named no wait: from this, doubling, with jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * A longer Retry-After is not slept through: the error goes back to the caller (a lead is
   * retried later), instead of holding a request, a slot and the shutdown for minutes.
   */
  readonly maxRetryAfterMs: number;
}

/** Whether a failure may be tried again, and after how long the service asked (if it did). */
export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly retryAfterMs?: number | undefined };

/**
 * Runs `work` until it succeeds, the failure may not be retried, or the tries run out; between
 * tries it waits what the service asked (Retry-After), else backoff. The one retry loop of the
 * Dataverse and Graph clients. `wait` is there for tests to move a clock instead of sleeping.
 */
export async function withRetries<T>(
  work: () => Promise<T>,
  policy: RetryPolicy,
  decide: (error: unknown) => RetryDecision,
  hooks: { readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void; readonly wait?: (ms: number) => Promise<unknown> } = {},
): Promise<T> {
  const wait = hooks.wait ?? ((ms: number) => sleep(ms));
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const decision = decide(error);
      if (!decision.retry || attempt >= policy.attempts) throw error;
      const waitMs = decision.retryAfterMs ?? backoffDelay(attempt, policy.baseDelayMs, policy.maxDelayMs);
      if (waitMs > policy.maxRetryAfterMs) throw error;
      hooks.onRetry?.(error, attempt, waitMs);
      await wait(waitMs);
    }
  }
}
