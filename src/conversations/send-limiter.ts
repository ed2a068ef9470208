import { systemClock, type Clock } from '../timing/clock';

/** Teams' limits for one bot in one conversation: at most `count` messages in any `ms` window. */
export const CONVERSATION_LIMITS: readonly { readonly count: number; readonly ms: number }[] = [
  { count: 7, ms: 1_000 },
  { count: 8, ms: 2_000 },
  { count: 60, ms: 30_000 },
  { count: 1_800, ms: 3_600_000 },
];

const LONGEST_WINDOW_MS = 3_600_000;
/** Timers and clocks are coarse: a send lands this much after a window's edge, never on it. */
const EDGE_MS = 5;

/**
 * Keeps proactive sends within Teams' limits: at most `perSecond` for the app, and the
 * per-conversation windows above (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour). Senders
 * take turns in order, and each turn is timed from when the previous sends really went, so a
 * late timer never lets sends bunch up.
 */
export class SendLimiter {
  private turn: Promise<void> = Promise.resolve();
  private lastSend = 0;
  /** When messages went to each conversation within the longest window, oldest first. */
  private readonly sentTo = new Map<string, number[]>();
  private pausedUntil = 0;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Resolves when a message to this conversation may be sent; counts it as sent. */
  take(conversationId: string): Promise<void> {
    const mine = this.turn.then(async () => {
      const sent = this.recentSends(conversationId);
      let earliest = Math.max(this.lastSend + 1000 / this.perSecond, this.pausedUntil);
      for (const limit of CONVERSATION_LIMITS) {
        const oldestInWindow = sent[sent.length - limit.count];
        if (oldestInWindow !== undefined) earliest = Math.max(earliest, oldestInWindow + limit.ms + EDGE_MS);
      }
      const wait = earliest - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      this.lastSend = this.clock.now();
      sent.push(this.lastSend);
    });
    this.turn = mine;
    return mine;
  }

  /** Teams answered 429: nobody sends until it said to come back. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  private recentSends(conversationId: string): number[] {
    const horizon = this.clock.now() - LONGEST_WINDOW_MS;
    for (const [id, times] of this.sentTo) {
      if ((times.at(-1) ?? 0) <= horizon) this.sentTo.delete(id); // a conversation quiet for an hour
    }
    const sent = this.sentTo.get(conversationId) ?? [];
    while (sent.length > 0 && (sent[0] ?? 0) <= horizon) sent.shift();
    this.sentTo.set(conversationId, sent);
    return sent;
  }
}
