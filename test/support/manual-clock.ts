import type { Clock } from '../../src/timing/clock';

/**
 * A clock the test moves. Sleepers wake in time order as `advance` passes their moment, each
 * given the chance to run (and sleep again) before the clock moves on.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly sleepers: { at: number; wake: () => void }[] = [];

  constructor(start = Date.parse('2026-12-01T08:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    // As node's timers do: a signal aborted already rejects at once (no 'abort' event comes again).
    if (signal?.aborted === true) return Promise.reject(new DOMException('The operation was aborted', 'AbortError'));
    return new Promise((resolve, reject) => {
      const aborted = (): void => {
        this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
        reject(new DOMException('The operation was aborted', 'AbortError'));
      };
      // Woken, it no longer listens: an abort after that must not take another sleeper.
      const sleeper = {
        at: this.current + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener('abort', aborted);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Moves time on by `ms`, waking every sleeper due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    for (;;) {
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (next === undefined || next.at > until) break;
      this.sleepers.shift();
      this.current = Math.max(this.current, next.at);
      next.wake();
      await settle();
    }
    this.current = until;
  }

  /** How many are asleep now. */
  get waiting(): number {
    return this.sleepers.length;
  }
}

/** Lets every promise chain that can move on do so. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
