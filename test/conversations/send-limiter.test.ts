import { SendLimiter } from '../../src/conversations/send-limiter';
import { ManualClock } from '../support/manual-clock';

/** The most sends inside any window of `ms`. */
function peak(times: readonly number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] ?? 0) - (times[i] ?? 0) >= ms) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** Asks for `count` turns at once and moves the clock until all are granted; when each went. */
async function sendAll(limiter: SendLimiter, clock: ManualClock, conversations: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  const all = Promise.all(conversations.map((c) => limiter.take(c).then(() => times.push(clock.now()))));
  while (times.length < conversations.length) await clock.advance(10);
  await all;
  return times;
}

describe('the send limiter', () => {
  it("keeps one conversation within Teams' windows (7 in 1 s, 8 in 2 s, 60 in 30 s) when asked for more at once", async () => {
    const clock = new ManualClock();
    const times = await sendAll(new SendLimiter(50, clock), clock, Array.from({ length: 61 }, () => 'a:chat'));
    expect(peak(times, 1000)).toBe(7);
    expect(peak(times, 2000)).toBe(8);
    expect(peak(times, 30_000)).toBe(60);
    // ...and no slower than that: the 9th send waits for the 2-second window, not much more.
    const first = times[0] ?? 0;
    expect((times[8] ?? 0) - first).toBeGreaterThanOrEqual(2000);
    expect((times[8] ?? 0) - first).toBeLessThan(2100);
    // The 61st waits for the 30-second window.
    expect((times[60] ?? 0) - first).toBeGreaterThanOrEqual(30_000);
  });

  it('lets other conversations go at the app rate meanwhile', async () => {
    const clock = new ManualClock();
    const started = clock.now();
    const times = await sendAll(new SendLimiter(20, clock), clock, Array.from({ length: 10 }, (_, i) => `a:chat-${i}`));
    // 10 sends at 20/s: one every 50 ms, no per-conversation wait.
    expect((times.at(-1) ?? 0) - started).toBeGreaterThanOrEqual(450);
    expect((times.at(-1) ?? 0) - started).toBeLessThan(520);
    expect(peak(times, 1000)).toBe(10);
  });

  it('holds everyone back after a 429 for as long as Teams asked', async () => {
    const clock = new ManualClock();
    const limiter = new SendLimiter(50, clock);
    limiter.pause(300);
    const started = clock.now();
    const [sent] = await sendAll(limiter, clock, ['b:other-chat']);
    expect((sent ?? 0) - started).toBeGreaterThanOrEqual(300);
    expect((sent ?? 0) - started).toBeLessThan(320);
  });
});
