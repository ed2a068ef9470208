/**
 * Exponential backoff with jitter: the n-th retry waits between half and all of
 * base·2^(n-1), capped at `max`, so many waiters (workers, instances) do not retry in step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
