import { NOT_SENT, SendLimiter } from '../../src/conversations/send-limiter';
import type { Clock } from '../../src/timing/clock';
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
  const all = Promise.all(conversations.map((c) => limiter.send(c, () => Promise.resolve(times.push(clock.now())))));
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

  it('keeps to its rate when timers fire late: each turn is one gap after the last turn, not after the late send', async () => {
    const clock = new ManualClock();
    // Every timer fires 3 ms after it was due, as a busy event loop's do.
    const late: Clock = { now: () => clock.now(), sleep: (ms, signal) => clock.sleep(ms + 3, signal) };
    const limiter = new SendLimiter(30, late);
    const times: number[] = [];
    const all = Promise.all(Array.from({ length: 31 }, (_, i) => limiter.send(`a:chat-${String(i)}`, () => Promise.resolve(times.push(clock.now())))));
    while (times.length < 31) await clock.advance(10);
    await all;
    // 31 sends at 30/s: the 31st one second after the first (1.09 s had each late firing added up).
    expect((times[30] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect((times[30] ?? 0) - (times[0] ?? 0)).toBeLessThan(1010);
    expect(peak(times, 1000)).toBe(30);
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

describe('the send limiter under a changing share', () => {
  it('holds sends while the rate is 0 and lets them go as soon as it rises', async () => {
    const clock = new ManualClock();
    const limiter = new SendLimiter(0, clock);
    const sent: number[] = [];
    const all = Promise.all(['a', 'b'].map((c) => limiter.send(c, () => Promise.resolve(sent.push(clock.now())))));
    await clock.advance(5_000);
    expect(sent).toEqual([]);
    expect(limiter.wanting).toBe(true);
    const raised = clock.now();
    limiter.rate = 10;
    while (sent.length < 2) await clock.advance(10);
    await all;
    expect(sent[0]).toBe(raised);
    expect((sent[1] ?? 0) - raised).toBeGreaterThanOrEqual(100);
    expect((sent[1] ?? 0) - raised).toBeLessThan(120);
  });

  it('counts each request from when it ended: however long the requests take, no more than the rate end within a second', async () => {
    const clock = new ManualClock();
    const limiter = new SendLimiter(5, clock);
    const ended: number[] = [];
    // Every other request takes 300 ms to reach Teams; the others arrive at once.
    const all = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.send(`chat-${String(i)}`, async () => {
          await clock.sleep(i % 2 === 0 ? 300 : 0);
          ended.push(clock.now());
        }),
      ),
    );
    while (ended.length < 20) await clock.advance(10);
    await all;
    ended.sort((a, b) => a - b);
    expect(peak(ended, 1000)).toBeLessThanOrEqual(5);
  });

  it('does not send, nor count, what prepare turned down', async () => {
    const clock = new ManualClock();
    const limiter = new SendLimiter(1, clock);
    const request = jest.fn(() => Promise.resolve('sent'));
    expect(await limiter.send('chat', request, { prepare: () => Promise.resolve(false) })).toBe(NOT_SENT);
    expect(request).not.toHaveBeenCalled();
    // Nothing was counted: the next goes at once.
    const started = clock.now();
    expect(await limiter.send('chat', request, { prepare: () => Promise.resolve(true) })).toBe('sent');
    expect(clock.now()).toBe(started);
  });
});

describe('the send limiter, chat by chat', () => {
  it('never holds a chat behind another that waits for its own window', async () => {
    const clock = new ManualClock();
    const limiter = new SendLimiter(50, clock);
    const times = new Map<string, number[]>();
    const send = (chat: string): Promise<number> => limiter.send(chat, () => Promise.resolve((times.get(chat) ?? times.set(chat, []).get(chat) ?? []).push(clock.now())));
    const started = clock.now();
    // Nine for one chat (the ninth waits two seconds for Teams' 8-in-2-s window), then one for another.
    const busy = Promise.all(Array.from({ length: 9 }, () => send('a:busy')));
    const other = send('a:other');
    while ((times.get('a:other') ?? []).length === 0) await clock.advance(10);
    await clock.advance(2_100);
    await Promise.all([busy, other]);
    expect((times.get('a:other')?.[0] ?? Infinity) - started).toBeLessThan(300);
    expect((times.get('a:busy')?.[8] ?? 0) - started).toBeGreaterThanOrEqual(2_000);
  });

  it('sends a new message before the updates waiting for the same chat, and keeps room for it in the chat\'s windows', async () => {
    const clock = new ManualClock();
    const limiter = new SendLimiter(50, clock);
    const updates: number[] = [];
    const messages: number[] = [];
    // A chat's updates by the dozen (a day of "now in Dynamics"), far more than its 30-second window takes.
    const allUpdates = Promise.all(Array.from({ length: 70 }, () => limiter.send('a:seller', () => Promise.resolve(updates.push(clock.now())), { update: true })));
    await clock.advance(20_000);
    // Updates take at most 50 of the chat's 60 in 30 s: the rest are new messages'.
    expect(updates).toHaveLength(50);
    const asked = clock.now();
    const message = limiter.send('a:seller', () => Promise.resolve(messages.push(clock.now())));
    await clock.advance(10);
    await message;
    expect(messages).toEqual([asked]);
    while (updates.length < 70) await clock.advance(100);
    await allUpdates;
    expect(peak([...updates, ...messages].sort((a, b) => a - b), 30_000)).toBeLessThanOrEqual(60);
    expect(peak(updates, 30_000)).toBeLessThanOrEqual(50);
  });
});
