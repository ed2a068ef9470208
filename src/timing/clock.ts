import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Time as background work reads it: the hour, and waiting. Passed in, never read from globals,
 * so tests move a clock of their own instead of sleeping.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with an AbortError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, signal === undefined ? undefined : { signal }),
};

/**
 * Reads until `done` accepts the value or `timeoutMs` has passed, `everyMs` apart, and returns
 * the last value read either way: the caller decides what running out of time means. Stops
 * early, with the last value, when `signal` aborts (shutdown).
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { readonly everyMs: number; readonly timeoutMs: number; readonly signal?: AbortSignal; readonly clock?: Clock },
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || clock.now() >= deadline || options.signal?.aborted === true) return value;
    const slept = await clock.sleep(options.everyMs, options.signal).then(
      () => true,
      () => false,
    );
    if (!slept) return value;
  }
}

/** Background work that runs over and over until stopped. */
export interface Loop {
  /** Stops after the look in progress, if any; resolves once it has. */
  stop(): Promise<void>;
}

/**
 * Runs `look` at once and again `everyMs` after each one ends, on `clock`, until stopped: the
 * shape of every instance's background checks (round-robin turns, escalations, the digest, the
 * self-check). A look that fails is `failed` and the loop goes on.
 */
export function repeat(look: () => Promise<unknown>, everyMs: number, failed: (err: unknown) => void, clock: Clock = systemClock): Loop {
  const stopping = new AbortController();
  const running = (async () => {
    while (!stopping.signal.aborted) {
      await look().catch(failed);
      await clock.sleep(everyMs, stopping.signal).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
