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
/** Teams counts the app's requests per second. */
export const APP_WINDOW_MS = 1_000;
/**
 * Sends are counted from when their requests ended, after Teams counted them: the window's edge
 * needs room only for clocks counting whole milliseconds.
 */
const APP_EDGE_MS = 2;

/** A message sent, and when its request ended: Teams counts it by then (Infinity while in flight). */
interface Sent {
  readonly sentAt: number;
  endedAt: number;
}

/** A request still out after this long counts as ended then: a hung one must not hold every send. */
const IN_FLIGHT_MS = 30_000;
/** How long before its send a message's record (prepare) may start: about one gap between sends. */
const PREPARE_WITHIN_MS = 50;

/** When Teams has counted a message by: its request's end, or IN_FLIGHT_MS after it went. */
function countedBy(sent: Sent): number {
  return Math.min(sent.endedAt, sent.sentAt + IN_FLIGHT_MS);
}

/** When a send may go so that fewer than `count` of `sends` are within the `ms` before it. */
function afterWindow(sends: readonly Sent[], count: number, ms: number): number {
  if (sends.length < count) return -Infinity;
  // The count-th latest, however the requests ended out of order.
  const latest = sends.map(countedBy).sort((a, b) => b - a)[count - 1] ?? -Infinity;
  return latest + ms;
}

/** What `send` resolves when its `prepare` said not to send. */
export const NOT_SENT = Symbol('not sent');

/** A limiter that sent within this long, or has sends waiting, still wants its share of the app's budget. */
const WANTING_MS = 1_000;

/**
 * Keeps proactive sends within Teams' limits: at most `perSecond` for the app in any second (this
 * instance's share of it, see SendBudget, which may change it at any time), spread evenly, and the
 * per-conversation windows above (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour). Senders take
 * turns in order. Windows count each message from when its request ended, by which time Teams has
 * counted it, so a request slow to get there never makes one too many in Teams' window.
 */
export class SendLimiter {
  private turn: Promise<unknown> = Promise.resolve();
  private lastSend = -Infinity;
  /** This instance's sends within the app window, oldest first. */
  private readonly appSends: Sent[] = [];
  /** Messages to each conversation within the longest window, oldest first. */
  private readonly sentTo = new Map<string, Sent[]>();
  private pausedUntil = 0;
  private waiting = 0;
  private changed = new AbortController();
  /** Told when sends start waiting after a quiet spell (the budget asks for this instance's share at once). */
  onDemand: (() => void) | undefined;

  constructor(
    private perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Messages per second this instance may send now; 0 stops it until the rate rises. */
  get rate(): number {
    return this.perSecond;
  }

  set rate(perSecond: number) {
    if (perSecond === this.perSecond) return;
    this.perSecond = perSecond;
    // A turn waiting on the old rate works its time out again with the new one.
    this.wake();
  }

  /** Sends are waiting, or went a moment ago: this instance wants its share of the app's budget. */
  get wanting(): boolean {
    return this.waiting > 0 || this.clock.now() - this.lastSend < WANTING_MS;
  }

  /**
   * Makes `request` (one message to this conversation) when Teams' limits allow, and resolves
   * with its answer. `prepare` (a record kept before sending, say) runs within the turn, while it
   * waits, so the message goes at once after it; when it resolves false nothing is sent or
   * counted, and `send` resolves NOT_SENT. The app window counts each message from when its
   * request ended: at or after Teams counted it, however long it took to get there.
   */
  send<T>(conversationId: string, request: () => Promise<T>): Promise<T>;
  send<T>(conversationId: string, request: () => Promise<T>, prepare: () => Promise<boolean>): Promise<T | typeof NOT_SENT>;
  async send<T>(conversationId: string, request: () => Promise<T>, prepare?: () => Promise<boolean>): Promise<T | typeof NOT_SENT> {
    const quiet = !this.wanting;
    this.waiting++;
    if (quiet) this.onDemand?.();
    const mine = this.turn.then(async () => {
      try {
        let prepared: Promise<boolean> | undefined;
        for (;;) {
          const wait = this.earliest(conversationId) - this.clock.now();
          // The record starts only when the send is near: a card long in the wait (a chat's
          // 30-second window, a 429) is not recorded as being sent meanwhile.
          if (prepare !== undefined && prepared === undefined && wait <= PREPARE_WITHIN_MS) prepared = prepare();
          if (wait <= 0) break;
          const changed = this.changed.signal;
          // Woken in time to start the record, when there is one to keep.
          const until = prepare !== undefined && prepared === undefined ? wait - PREPARE_WITHIN_MS : wait;
          if (wait === Infinity) await new Promise((resolve) => { changed.addEventListener('abort', resolve, { once: true }); });
          else await this.clock.sleep(until, changed).catch(() => undefined);
        }
        prepared ??= prepare?.();
        if (prepared !== undefined && !(await prepared)) return undefined;
        this.lastSend = this.clock.now();
        const sent: Sent = { sentAt: this.lastSend, endedAt: Infinity };
        this.recentSends(conversationId).push(sent);
        this.appSends.push(sent);
        return sent;
      } finally {
        this.waiting--;
      }
    });
    this.turn = mine.then(
      () => undefined,
      () => undefined,
    );
    const sent = await mine;
    if (sent === undefined) return NOT_SENT;
    try {
      return await request();
    } finally {
      sent.endedAt = this.clock.now();
      this.wake();
    }
  }

  /** The turn waiting works its time out again: the rate changed, or a request ended. */
  private wake(): void {
    const changed = this.changed;
    this.changed = new AbortController();
    changed.abort();
  }

  /** Teams answered 429: nobody sends until it said to come back. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** When the next message to this conversation may go; Infinity while the rate is under one a second. */
  private earliest(conversationId: string): number {
    const perWindow = Math.floor(this.perSecond);
    if (perWindow <= 0) return Infinity;
    const now = this.clock.now();
    for (let i = this.appSends.length - 1; i >= 0; i--) {
      if (countedBy(this.appSends[i] as Sent) <= now - APP_WINDOW_MS - APP_EDGE_MS) this.appSends.splice(i, 1);
    }
    const sent = this.recentSends(conversationId);
    // Spread evenly, a send can still make perSecond + 1 within one second: the window says no.
    let earliest = Math.max(this.lastSend + 1000 / this.perSecond, this.pausedUntil, afterWindow(this.appSends, perWindow, APP_WINDOW_MS + APP_EDGE_MS));
    for (const limit of CONVERSATION_LIMITS) earliest = Math.max(earliest, afterWindow(sent, limit.count, limit.ms + EDGE_MS));
    return earliest;
  }

  private recentSends(conversationId: string): Sent[] {
    const horizon = this.clock.now() - LONGEST_WINDOW_MS;
    for (const [id, times] of this.sentTo) {
      if (times.every((t) => countedBy(t) <= horizon)) this.sentTo.delete(id); // a conversation quiet for an hour
    }
    const sent = this.sentTo.get(conversationId) ?? [];
    while (sent.length > 0 && countedBy(sent[0] as Sent) <= horizon) sent.shift();
    this.sentTo.set(conversationId, sent);
    return sent;
  }
}
