import { parseRetryAfter, withRetries, type RetryDecision, type RetryPolicy } from '../../src/http/retry';

const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };

/** Fails with the given errors in turn, then answers; counts the calls. */
function flaky(failures: Error[]): { call: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    call: () => {
      const failure = failures[calls++];
      return failure === undefined ? Promise.resolve('answer') : Promise.reject(failure);
    },
    calls: () => calls,
  };
}

class Throttled extends Error {
  constructor(readonly retryAfterMs?: number) {
    super('429');
  }
}
const decide = (error: unknown): RetryDecision => (error instanceof Throttled ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false });

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP-dates, as RFC 9110 allows both', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('Tue, 01 Dec 2026 08:00:30 GMT', Date.parse('2026-12-01T08:00:00Z'))).toBe(30_000);
    // A date already past asks for no wait, not a negative one.
    expect(parseRetryAfter('Tue, 01 Dec 2026 07:59:00 GMT', Date.parse('2026-12-01T08:00:00Z'))).toBe(0);
  });

  it('gives nothing for a missing or unreadable header, so the caller picks its own wait', () => {
    for (const header of [null, undefined, '', '  ', 'soon', '-5']) expect(parseRetryAfter(header)).toBeUndefined();
  });
});

describe('withRetries', () => {
  it('waits what the service asked before each new try, then answers', async () => {
    const work = flaky([new Throttled(2_000), new Throttled(500)]);
    const waits: number[] = [];
    const retried: number[] = [];
    const answer = await withRetries(work.call, POLICY, decide, {
      wait: (ms) => Promise.resolve(waits.push(ms)),
      onRetry: (_error, attempt) => retried.push(attempt),
    });
    expect(answer).toBe('answer');
    expect(work.calls()).toBe(3);
    expect(waits).toEqual([2_000, 500]);
    expect(retried).toEqual([1, 2]);
  });

  it('backs off, doubling within the bounds, when the service named no wait', async () => {
    const work = flaky([new Throttled(), new Throttled(), new Throttled()]);
    const waits: number[] = [];
    await withRetries(work.call, POLICY, decide, { wait: (ms) => Promise.resolve(waits.push(ms)) });
    // Jitter puts each wait between half and all of 100, 200, 400 ms.
    expect(waits).toHaveLength(3);
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual((100 * 2 ** i) / 2);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });

  it('gives up after the last try with the last failure', async () => {
    const last = new Throttled(10);
    const work = flaky([new Throttled(10), new Throttled(10), new Throttled(10), last]);
    await expect(withRetries(work.call, POLICY, decide, { wait: () => Promise.resolve() })).rejects.toBe(last);
    expect(work.calls()).toBe(POLICY.attempts);
  });

  it('does not retry what may not be retried', async () => {
    const refused = new Error('400');
    const work = flaky([refused]);
    await expect(withRetries(work.call, POLICY, decide, { wait: () => Promise.resolve() })).rejects.toBe(refused);
    expect(work.calls()).toBe(1);
  });

  it('hands a wait longer than the policy allows back to the caller instead of sleeping through it', async () => {
    const long = new Throttled(POLICY.maxRetryAfterMs + 1);
    const work = flaky([long]);
    const waits: number[] = [];
    await expect(withRetries(work.call, POLICY, decide, { wait: (ms) => Promise.resolve(waits.push(ms)) })).rejects.toBe(long);
    expect(waits).toEqual([]);
  });
});
