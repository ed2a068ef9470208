import { CONVERSATION_LIMITS, SendLimiter } from '../../src/conversations/send-limiter';

/** The most sends inside any window of `ms`. */
function peak(times: readonly number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] ?? 0) - (times[i] ?? 0) >= ms) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('the send limiter', () => {
  it("keeps one conversation within Teams' windows (7 in 1 s, 8 in 2 s) when asked for more at once", async () => {
    const limiter = new SendLimiter(50);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 10 }, () => limiter.take('a:chat').then(() => times.push(Date.now()))));
    expect(peak(times, 1000)).toBeLessThanOrEqual(7);
    expect(peak(times, 2000)).toBeLessThanOrEqual(8);
    // ...and no slower than that: the 9th send waits for the 2-second window, not much more.
    const first = times[0] ?? 0;
    expect((times[8] ?? 0) - first).toBeGreaterThanOrEqual(2000);
    expect((times[8] ?? 0) - first).toBeLessThan(2400);
    expect(CONVERSATION_LIMITS.map((l) => [l.count, l.ms])).toEqual([[7, 1000], [8, 2000], [60, 30_000], [1800, 3_600_000]]);
  });

  it('lets other conversations go at the app rate meanwhile', async () => {
    const limiter = new SendLimiter(20);
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.take(`a:chat-${i}`)));
    // 10 sends at 20/s: about half a second, no per-conversation wait.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('holds everyone back after a 429 for as long as Teams asked', async () => {
    const limiter = new SendLimiter(50);
    limiter.pause(300);
    const started = Date.now();
    await limiter.take('a:chat');
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
  });
});
