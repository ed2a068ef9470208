import { systemClock, type Clock } from '../timing/clock';

/**
 * Teams' limits for one bot in one conversation: at most `count` messages in any `ms` window.
 * Updates of messages already sent take a window only up to `forUpdates`, leaving the rest to new
 * messages: a chat's new lead card never waits for a stream of "now in Dynamics" updates.
 */
export const CONVERSATION_LIMITS: readonly { readonly count: number; readonly ms: number; readonly forUpdates: number }[] = [
  { count: 7, ms: 1_000, forUpdates: 6 },
  { count: 8, ms: 2_000, forUpdates: 7 },
  { count: 60, ms: 30_000, forUpdates: 50 },
  { count: 1_800, ms: 3_600_000, forUpdates: 1_700 },
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

/**
 * A limiter that sent within this long, or has sends waiting, still wants its share of the app's
 * budget: a lead's updates and the next leads' cards follow within seconds, and should not find
 * the share shrunk to the idle one in between.
 */
const WANTING_MS = 5_000;
/** Conversations quiet for the longest window are forgotten this often. */
const FORGET_EVERY_MS = 60_000;

export interface SendOptions {
  /**
   * A record kept before sending: runs when the send is near (so a message long in the wait is
   * not recorded as being sent meanwhile), and the message goes at once after it. When it
   * resolves false nothing is sent or counted, and `send` resolves NOT_SENT.
   */
  readonly prepare?: () => Promise<boolean>;
  /**
   * An update of a message already sent: it waits behind new messages to the same conversation,
   * and within the app's turn behind new messages ready as soon, and leaves room in the
   * conversation's windows (CONVERSATION_LIMITS' forUpdates).
   */
  readonly update?: boolean;
}

/** Starts a record; its failure is the send's (awaited when its turn comes), never an unhandled rejection meanwhile. */
function started(prepare: () => Promise<boolean>): Promise<boolean> {
  const record = Promise.resolve().then(prepare);
  record.catch(() => undefined);
  return record;
}

/** A send waiting for its turn. */
interface Waiter {
  readonly conversationId: string;
  readonly update: boolean;
  readonly prepare: (() => Promise<boolean>) | undefined;
  prepared: Promise<boolean> | undefined;
  readonly granted: (sent: Sent | undefined) => void;
  readonly failed: (error: unknown) => void;
}

/**
 * Keeps proactive sends within Teams' limits: at most `perSecond` for the app in any second (this
 * instance's share of it, see SendBudget, which may change it at any time), spread evenly, and the
 * per-conversation windows above (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour). Each
 * conversation waits for its own windows only: one chat at its limit never holds the others.
 * Sends go in the order they came, new messages before updates; windows count each message from
 * when its request ended, by which time Teams has counted it, so a request slow to get there
 * never makes one too many in Teams' window.
 */
export class SendLimiter {
  private lastSend = -Infinity;
  /**
   * The turn the last send was given (when it was due, not when the timer fired): the next is one
   * gap after it, so timers firing a millisecond late do not add up to a slower rate.
   */
  private lastTurn = -Infinity;
  /** When a send was last asked for: wanting from then on, before it is even granted. */
  private lastAsked = -Infinity;
  /** This instance's sends within the app window, oldest first. */
  private readonly appSends: Sent[] = [];
  /** Messages to each conversation within the longest window, oldest first. */
  private readonly sentTo = new Map<string, Sent[]>();
  private forgotAt = -Infinity;
  private pausedUntil = 0;
  /** Sends waiting for their turn, in the order they came. */
  private readonly waiters: Waiter[] = [];
  private dispatching = false;
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
    // Waiting sends work their time out again with the new rate.
    this.wake();
  }

  /** Sends are waiting, or went a moment ago: this instance wants its share of the app's budget. */
  get wanting(): boolean {
    return this.waiters.length > 0 || this.clock.now() - Math.max(this.lastAsked, this.lastSend) < WANTING_MS;
  }

  /**
   * Makes `request` (one message to this conversation, or an update of one) when Teams' limits
   * allow, and resolves with its answer (NOT_SENT when `prepare` said not to send).
   */
  send<T>(conversationId: string, request: () => Promise<T>, options?: { readonly update?: boolean }): Promise<T>;
  send<T>(conversationId: string, request: () => Promise<T>, options: SendOptions): Promise<T | typeof NOT_SENT>;
  async send<T>(conversationId: string, request: () => Promise<T>, options: SendOptions = {}): Promise<T | typeof NOT_SENT> {
    const quiet = !this.wanting;
    this.lastAsked = this.clock.now();
    if (quiet) this.onDemand?.();
    const sent = await new Promise<Sent | undefined>((granted, failed) => {
      this.waiters.push({ conversationId, update: options.update === true, prepare: options.prepare, prepared: undefined, granted, failed });
      this.wake();
      void this.dispatch();
    });
    if (sent === undefined) return NOT_SENT;
    try {
      return await request();
    } finally {
      sent.endedAt = this.clock.now();
      this.wake();
    }
  }

  /** Teams answered 429: nobody sends until it said to come back. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Lets the waiting sends go, one at a time, each as soon as its turn comes. */
  private async dispatch(): Promise<void> {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.waiters.length > 0) {
        const next = this.next();
        const wait = next.at - this.clock.now();
        const { waiter } = next;
        if (waiter.prepare !== undefined && waiter.prepared === undefined && wait <= PREPARE_WITHIN_MS) waiter.prepared = started(waiter.prepare);
        if (wait > 0) {
          await this.sleep(waiter.prepare !== undefined && waiter.prepared === undefined ? wait - PREPARE_WITHIN_MS : wait);
          continue;
        }
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        try {
          if (!(await (waiter.prepared ?? (waiter.prepare === undefined ? true : started(waiter.prepare))))) {
            waiter.granted(undefined);
            continue;
          }
        } catch (error) {
          waiter.failed(error);
          continue;
        }
        this.lastSend = this.clock.now();
        // A send overdue by a gap or more (after a quiet spell, a slow record) starts the schedule
        // again from now: it never makes a burst.
        this.lastTurn = this.lastSend - next.at < 1000 / this.perSecond ? next.at : this.lastSend;
        const sent: Sent = { sentAt: this.lastSend, endedAt: Infinity };
        this.recentSends(waiter.conversationId).push(sent);
        this.appSends.push(sent);
        waiter.granted(sent);
      }
    } finally {
      this.dispatching = false;
    }
  }

  /**
   * The send whose turn comes first, and when: each conversation's first waiting send (new
   * messages before updates), at the later of the app's next turn and its conversation's; on a
   * tie, a new message before an update, then the one that came first.
   */
  private next(): { waiter: Waiter; at: number } {
    const appAt = this.appTurn();
    const messagesWaiting = new Set(this.waiters.filter((w) => !w.update).map((w) => w.conversationId));
    const seen = new Set<string>();
    let best: { waiter: Waiter; at: number } | undefined;
    for (const waiter of this.waiters) {
      const key = `${waiter.update ? 'u' : 'm'} ${waiter.conversationId}`;
      if (seen.has(key) || (waiter.update && messagesWaiting.has(waiter.conversationId))) continue;
      seen.add(key);
      const at = Math.max(appAt, this.conversationTurn(waiter));
      if (best === undefined || at < best.at || (at === best.at && best.waiter.update && !waiter.update)) best = { waiter, at };
      // Nothing goes before the app's next turn, and a new message there is not passed.
      if (at === appAt && !waiter.update) break;
    }
    // There is always one: the first waiter is its conversation's first.
    return best ?? { waiter: this.waiters[0] as Waiter, at: appAt };
  }

  /** Sleeps `ms`, or until something changes (a send waiting, a request ended, the rate). */
  private async sleep(ms: number): Promise<void> {
    const changed = this.changed.signal;
    if (ms === Infinity) await new Promise((resolve) => { changed.addEventListener('abort', resolve, { once: true }); });
    else await this.clock.sleep(ms, changed).catch(() => undefined);
  }

  /** Whoever waits works their time out again. */
  private wake(): void {
    const changed = this.changed;
    this.changed = new AbortController();
    changed.abort();
  }

  /** When the app may send next, whatever the conversation; Infinity while the rate is under one a second. */
  private appTurn(): number {
    const perWindow = Math.floor(this.perSecond);
    if (perWindow <= 0) return Infinity;
    const now = this.clock.now();
    for (let i = this.appSends.length - 1; i >= 0; i--) {
      if (countedBy(this.appSends[i] as Sent) <= now - APP_WINDOW_MS - APP_EDGE_MS) this.appSends.splice(i, 1);
    }
    // Spread evenly, a send can still make perSecond + 1 within one second: the window says no.
    return Math.max(this.lastTurn + 1000 / this.perSecond, this.pausedUntil, afterWindow(this.appSends, perWindow, APP_WINDOW_MS + APP_EDGE_MS));
  }

  /** When this send's conversation windows let it go. */
  private conversationTurn(waiter: Waiter): number {
    const sent = this.recentSends(waiter.conversationId);
    let at = -Infinity;
    for (const limit of CONVERSATION_LIMITS) at = Math.max(at, afterWindow(sent, waiter.update ? limit.forUpdates : limit.count, limit.ms + EDGE_MS));
    return at;
  }

  private recentSends(conversationId: string): Sent[] {
    const horizon = this.clock.now() - LONGEST_WINDOW_MS;
    if (this.clock.now() - this.forgotAt > FORGET_EVERY_MS) {
      this.forgotAt = this.clock.now();
      for (const [id, times] of this.sentTo) {
        if (times.every((t) => countedBy(t) <= horizon)) this.sentTo.delete(id); // a conversation quiet for an hour
      }
    }
    const sent = this.sentTo.get(conversationId) ?? [];
    while (sent.length > 0 && countedBy(sent[0] as Sent) <= horizon) sent.shift();
    this.sentTo.set(conversationId, sent);
    return sent;
  }
}
