import { pollUntil, repeat } from '../../src/timing/clock';
import { ManualClock } from '../support/manual-clock';

describe('pollUntil', () => {
  it('reads every `everyMs` until the value will do, and returns it', async () => {
    const clock = new ManualClock();
    const readAt: number[] = [];
    const polled = pollUntil(
      () => Promise.resolve(readAt.push(clock.now())),
      (reads) => reads === 3,
      { everyMs: 250, timeoutMs: 10_000, clock },
    );
    await clock.advance(1_000);
    expect(await polled).toBe(3);
    expect(readAt.map((t) => t - (readAt[0] ?? 0))).toEqual([0, 250, 500]);
  });

  it('gives the last value back when time runs out, for the caller to judge', async () => {
    const clock = new ManualClock();
    let reads = 0;
    const polled = pollUntil(() => Promise.resolve(++reads), () => false, { everyMs: 100, timeoutMs: 1_000, clock });
    await clock.advance(5_000);
    // Read at 0, 100, … 1000 ms: the one at the deadline is the last.
    expect(await polled).toBe(11);
    expect(clock.waiting).toBe(0);
  });

  it('stops at once when its signal aborts (shutdown), with the last value', async () => {
    const clock = new ManualClock();
    const stopping = new AbortController();
    let reads = 0;
    const polled = pollUntil(() => Promise.resolve(++reads), () => false, { everyMs: 60_000, timeoutMs: 600_000, clock, signal: stopping.signal });
    await clock.advance(0);
    stopping.abort();
    expect(await polled).toBe(1);
  });
});

describe('repeat: background looks, one after another', () => {
  it('looks at once and again each period after a look ends, goes on after a failed look, and stops between looks', async () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const failures: unknown[] = [];
    const loop = repeat(
      () => {
        at.push(clock.now());
        return at.length === 2 ? Promise.reject(new Error('storage down')) : Promise.resolve();
      },
      30_000,
      (err) => failures.push(err),
      clock,
    );
    await clock.advance(95_000);
    const start = at[0] ?? 0;
    expect(at.map((t) => t - start)).toEqual([0, 30_000, 60_000, 90_000]);
    expect(failures).toEqual([new Error('storage down')]);
    await loop.stop();
    await clock.advance(60_000);
    expect(at).toHaveLength(4);
    expect(clock.waiting).toBe(0);
  });
});
