import type { Logger } from '../logging/create-logger';
import type { SharedDocument } from '../storage/shared-document';
import type { Clock } from '../timing/clock';
import { APP_WINDOW_MS, type SendLimiter } from './send-limiter';

/**
 * Who shares the app's Teams budget (docs/domain.md: 50 requests per second per app per tenant,
 * however many instances send): one entry per live instance, in one document every instance
 * rewrites each beat. Versions, not clocks, say who has read what: an instance's `seen` is the
 * version it wrote, having read everything before it.
 */
export interface ShareBook {
  /** One more with every write. */
  readonly version: number;
  readonly instances: Readonly<Record<string, ShareEntry>>;
}

export interface ShareEntry {
  /** The version this instance last wrote. */
  readonly seen: number;
  /** It has sends waiting (or just sent): it takes a part of the pool, not the idle share. */
  readonly wanting: boolean;
  /** The version at which it joined or last turned wanting or idle. */
  readonly changed: number;
}

export const BEAT_MS = 1_000;
/**
 * An instance whose entry has not moved on for this long is gone (died); its share is the others'.
 * Long enough that a storage slow for a few seconds does not make live instances gone.
 */
export const GONE_AFTER_MS = 10 * BEAT_MS;

/** The book as `me` writes it: its own entry as it is now, the `gone` dropped. */
export function signIn(book: ShareBook | undefined, me: string, wanting: boolean, gone: ReadonlySet<string>): ShareBook {
  const version = (book?.version ?? 0) + 1;
  const others = Object.entries(book?.instances ?? {}).filter(([id]) => id !== me && !gone.has(id));
  const mine = book?.instances[me];
  const changed = mine === undefined || mine.wanting !== wanting ? version : mine.changed;
  return { version, instances: Object.fromEntries([...others, [me, { seen: version, wanting, changed }]]) };
}

/** The book without `me` (stopping): its share is the others' at their next beat. */
export function signOut(book: ShareBook | undefined, me: string): ShareBook {
  const others = Object.entries(book?.instances ?? {}).filter(([id]) => id !== me);
  return { version: (book?.version ?? 0) + 1, instances: Object.fromEntries(others) };
}

/**
 * What an idle instance may always send, in messages per second: one, so a lead arriving on it
 * goes out without waiting for a beat (none when the budget is too small to spare it). The same
 * whatever the number of instances, so one joining never changes what the idle ones may send.
 */
export function idleShare(total: number): number {
  return total >= 10 ? 1 : 0;
}

/**
 * What `me` may send per second out of `total` (whole messages: Teams counts them per second), now
 * `current`: idle instances their idle share, wanting ones the rest in equal parts. A share shrinks
 * at once; it grows past `current` through me's own change (joining, turning wanting) only once
 * every other wanting instance has read it, and so has already shrunk its own: the sum never
 * exceeds `total`, even while they disagree.
 */
export function shareOf(book: ShareBook, me: string, total: number, current: number): number {
  const mine = book.instances[me];
  if (mine === undefined) return 0;
  const entries = Object.entries(book.instances);
  const idle = idleShare(total);
  const wanting = entries.filter(([, e]) => e.wanting);
  const target = mine.wanting ? Math.floor(Math.max(0, total - idle * (entries.length - wanting.length)) / wanting.length) : idle;
  const readByAll = readByOthers(book, me);
  return readByAll ? target : Math.min(target, current);
}

/** Every other wanting instance has read me's last change (and shrunk its share for it). */
function readByOthers(book: ShareBook, me: string): boolean {
  const mine = book.instances[me];
  return Object.entries(book.instances).every(([id, e]) => id === me || !e.wanting || mine === undefined || e.seen > mine.changed);
}

export interface SendBudgetDeps {
  readonly book: SharedDocument<ShareBook>;
  readonly limiter: SendLimiter;
  readonly instanceId: string;
  /** TEAMS_MESSAGES_PER_SECOND: for the whole app, all instances together. */
  readonly total: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Keeps this instance's SendLimiter to its share of the app's Teams budget, shared with the other
 * instances through storage they already share: a beat a second (sooner when sends start waiting)
 * rewrites this instance's entry and reads everyone's. An instance that dies stops beating and
 * its share goes to the others within GONE_AFTER_MS; one that cannot beat falls back to the idle
 * share before the others count it gone.
 *
 * Teams counts a second back from each request, so a share that grows waits until every share
 * that shrank for it has had a second to show: sends made before the shrink still count.
 */
export class SendBudget {
  /** Messages per second this instance may send; 0 until the first beat says otherwise. */
  private share = 0;
  private lastWritten = -Infinity;
  private beating: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  /** Each other instance's entry as last read, and when (this instance's clock) it last moved on. */
  private readonly others = new Map<string, { entry: ShareEntry; at: number }>();
  /** Until when another instance's recent sends may still fill Teams' second: no growing before. */
  private quietUntil = -Infinity;
  private readByAll = true;
  private failing = false;

  constructor(private readonly deps: SendBudgetDeps) {}

  /** Takes this instance's first share (so nothing sends before it has one), then beats. */
  async start(): Promise<void> {
    this.deps.limiter.rate = 0;
    this.deps.limiter.onDemand = () => void this.beat();
    await this.beat();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.deps.limiter.onDemand = undefined;
    await this.loop;
    await this.beating;
    // Nothing more goes once its share is the others'.
    this.apply(0);
    await this.deps.book.update((book) => signOut(book, this.deps.instanceId)).catch(() => undefined);
  }

  /** One beat, after any in progress. */
  beat(): Promise<void> {
    this.beating = this.beating.then(() => this.once());
    return this.beating;
  }

  private async run(): Promise<void> {
    let beating = false;
    while (!this.stopping.signal.aborted) {
      // Sooner when a share is waiting for the quiet to grow.
      const wait = Math.max(0, Math.min(BEAT_MS, this.quietUntil - this.deps.clock.now()));
      const slept = await this.deps.clock.sleep(wait === 0 ? BEAT_MS : wait, this.stopping.signal).then(
        () => true,
        () => false,
      );
      if (!slept) break;
      // A beat that hangs (storage not answering) must not keep the share either.
      this.fallBackIfStale();
      if (!beating) {
        beating = true;
        void this.beat().finally(() => {
          beating = false;
        });
      }
    }
  }

  private async once(): Promise<void> {
    const { limiter, instanceId, total, clock } = this.deps;
    const wanting = limiter.wanting;
    // Turning idle shrinks the share before the others can read it and grow theirs.
    if (!wanting) this.apply(Math.min(this.share, idleShare(total)));
    const began = clock.now();
    try {
      const book = await this.deps.book.update((read) => {
        const next = signIn(read, instanceId, wanting, this.gone(read, clock.now()));
        // Not in the book: counted gone by the others (it could not beat for a while), who have its share now.
        const current = read?.instances[instanceId] === undefined ? 0 : this.share;
        // Shrunk before the write lands, as the others may grow theirs as soon as they read it.
        this.apply(Math.min(current, shareOf(next, instanceId, total, current)));
        return next;
      });
      this.lastWritten = began;
      this.noteShrinks(book, clock.now());
      const share = shareOf(book, instanceId, total, this.share);
      this.apply(share > this.share && clock.now() < this.quietUntil ? this.share : share);
      if (this.failing) this.deps.logger.info('the Teams send budget is shared again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.deps.logger.warn({ err }, 'could not reach the shared Teams send budget; sending at the idle share until it can');
      this.failing = true;
      this.fallBackIfStale();
    }
  }

  /**
   * Other instances whose entries have not moved on for GONE_AFTER_MS (by this instance's clock:
   * versions, not clocks, are compared between instances).
   */
  private gone(book: ShareBook | undefined, now: number): Set<string> {
    const gone = new Set<string>();
    for (const [id, entry] of Object.entries(book?.instances ?? {})) {
      if (id === this.deps.instanceId) continue;
      const last = this.others.get(id);
      if (last !== undefined && last.entry.seen === entry.seen && now - last.at > GONE_AFTER_MS) gone.add(id);
    }
    return gone;
  }

  /** Starts a quiet second when another instance's share shrank: it turned idle or left, or has just read this one's change. */
  private noteShrinks(book: ShareBook, now: number): void {
    const quiet = (): void => {
      this.quietUntil = now + APP_WINDOW_MS + BEAT_MS / 10;
    };
    for (const [id, { entry }] of this.others) {
      const current = book.instances[id];
      if (current === undefined || (entry.wanting && !current.wanting)) quiet();
    }
    const readByAll = readByOthers(book, this.deps.instanceId);
    if (readByAll && !this.readByAll) quiet();
    this.readByAll = readByAll;
    for (const [id, entry] of Object.entries(book.instances)) {
      if (id === this.deps.instanceId) continue;
      const last = this.others.get(id);
      this.others.set(id, { entry, at: last?.entry.seen === entry.seen ? last.at : now });
    }
    for (const id of this.others.keys()) if (book.instances[id] === undefined) this.others.delete(id);
  }

  /**
   * The others count this instance gone GONE_AFTER_MS after its last write began, and take its
   * share: well before that, it keeps the idle share only. Alerts still go, and one message a
   * second over the budget meets a 429 at worst.
   */
  private fallBackIfStale(): void {
    if (this.deps.clock.now() - this.lastWritten > GONE_AFTER_MS / 2) this.apply(idleShare(this.deps.total));
  }

  private apply(share: number): void {
    if (share !== this.share) this.deps.logger.debug({ from: this.share, to: share }, 'Teams send share changed');
    this.share = share;
    this.deps.limiter.rate = share;
  }
}
