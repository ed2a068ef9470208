import fc from 'fast-check';
import { BEAT_MS, GONE_AFTER_MS, idleShare, SendBudget, shareOf, signIn, signOut, type ShareBook } from '../../src/conversations/send-budget';
import { SendLimiter } from '../../src/conversations/send-limiter';
import { loadSettings } from '../../src/config/settings';
import { createLogger } from '../../src/logging/create-logger';
import { SharedDocument } from '../../src/storage/shared-document';
import { openStorage, type Storage } from '../../src/storage/storage';
import { ManualClock } from '../support/manual-clock';
import { testEnv } from '../support/test-app';

/**
 * The budget's promise, over any order of events: the shares in force on every instance never
 * add up to more than the app's total, however stale each instance's reading of the book is.
 * Each instance's share changes only when it beats (reads the book, writes its entry, computes
 * its share from what it wrote), as SendBudget does; a dead instance sends nothing.
 */
type Event =
  | { readonly kind: 'beat'; readonly who: number; readonly wanting: boolean }
  | { readonly kind: 'die'; readonly who: number }
  | { readonly kind: 'stop'; readonly who: number };

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('beat' as const), who: fc.nat(4), wanting: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('die' as const), who: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const), who: fc.nat(4) }) },
);

function replay(total: number, events: readonly Event[]): { readonly book: ShareBook; readonly sums: number[]; readonly shares: Map<string, number> } {
  let book: ShareBook | undefined;
  const shares = new Map<string, number>();
  const dead = new Set<string>();
  const sums: number[] = [];
  for (const e of events) {
    const me = `instance-${String(e.who)}`;
    if (e.kind === 'die') {
      shares.set(me, 0);
      dead.add(me);
    } else if (e.kind === 'stop') {
      shares.set(me, 0);
      book = signOut(book, me);
      dead.delete(me);
    } else {
      dead.delete(me); // a new instance by the same name
      const before = book?.instances[me] !== undefined;
      if (!e.wanting) shares.set(me, Math.min(shares.get(me) ?? 0, idleShare(total)));
      // The dead are found gone some beats later; the book drops them whenever an instance says so.
      book = signIn(book, me, e.wanting, dead);
      shares.set(me, shareOf(book, me, total, before ? (shares.get(me) ?? 0) : 0));
    }
    sums.push([...shares.values()].reduce((a, b) => a + b, 0));
  }
  return { book: book ?? { version: 0, instances: {} }, sums, shares };
}

describe('the shared Teams send budget', () => {
  it('never lets the instances together exceed the total, in any order of beats, deaths and stops', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 7, 50), fc.array(event, { maxLength: 60 }), (total, events) => {
        const { sums } = replay(total, events);
        for (const sum of sums) expect(sum).toBeLessThanOrEqual(total + 1e-9);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives a lone wanting instance the whole budget but the idle ones\' shares, at once', () => {
    const { shares } = replay(50, [
      { kind: 'beat', who: 1, wanting: false },
      { kind: 'beat', who: 0, wanting: true },
    ]);
    expect(shares.get('instance-0')).toBe(50 - idleShare(50));
    expect(shares.get('instance-1')).toBe(idleShare(50));
  });

  it('splits the budget between two wanting instances once each has read the other', () => {
    const steps: Event[] = [
      { kind: 'beat', who: 0, wanting: true },
      { kind: 'beat', who: 1, wanting: true },
    ];
    // Instance 1 joins while 0 sends at the whole budget: it sends nothing until 0 has read it.
    expect(replay(50, steps).shares.get('instance-1')).toBe(0);
    const read = replay(50, [...steps, { kind: 'beat', who: 0, wanting: true }, { kind: 'beat', who: 1, wanting: true }]);
    expect(read.shares.get('instance-0')).toBe(25);
    expect(read.shares.get('instance-1')).toBe(25);
  });

  it('hands a dead or stopped instance\'s share to the others at their next beat', () => {
    const two: Event[] = [
      { kind: 'beat', who: 0, wanting: true },
      { kind: 'beat', who: 1, wanting: true },
      { kind: 'beat', who: 0, wanting: true },
      { kind: 'beat', who: 1, wanting: true },
    ];
    expect(replay(50, [...two, { kind: 'die', who: 1 }, { kind: 'beat', who: 0, wanting: true }]).shares.get('instance-0')).toBe(50);
    expect(replay(50, [...two, { kind: 'stop', who: 1 }, { kind: 'beat', who: 0, wanting: true }]).shares.get('instance-0')).toBe(50);
  });
});

/** Two instances' budgets on one storage, each on a clock of its own (one that stops is an instance that died). */
describe('SendBudget on shared storage', () => {
  const TOTAL = 50;
  let storage: Storage;

  beforeAll(async () => {
    storage = openStorage(loadSettings(testEnv()).storage);
    await storage.ensureCreated();
  });

  const instance = async (id: string): Promise<{ budget: SendBudget; limiter: SendLimiter; clock: ManualClock; want(): void }> => {
    const clock = new ManualClock(Date.now());
    const limiter = new SendLimiter(TOTAL, clock);
    const budget = new SendBudget({ book: new SharedDocument<ShareBook>(storage.state, 'send-budget', 'teams'), limiter, instanceId: id, total: TOTAL, clock, logger: createLogger('silent') });
    await budget.start();
    // Two hundred messages for one chat, which Teams takes 60 per 30 s: sends wait from now on.
    const want = (): void => {
      for (let i = 0; i < 200; i++) void limiter.send('busy-chat', () => Promise.resolve());
    };
    return { budget, limiter, clock, want };
  };

  it('shares the budget between two sending instances, and gives it all back to one within seconds when the other dies', async () => {
    const a = await instance('a');
    expect(a.limiter.rate).toBe(idleShare(TOTAL)); // alone, and idle
    const b = await instance('b');
    expect(b.limiter.rate).toBe(idleShare(TOTAL));
    a.want();
    await a.budget.beat();
    expect(a.limiter.rate).toBe(TOTAL - idleShare(TOTAL)); // b idle keeps its one a second
    b.want();
    await b.budget.beat(); // b wants: a has not read it yet, so b keeps to its idle share
    expect(b.limiter.rate).toBe(idleShare(TOTAL));
    await a.budget.beat();
    expect(a.limiter.rate).toBe(TOTAL / 2);
    await b.budget.beat(); // a has read it; b waits a second for a's earlier sends to leave Teams' window
    expect(b.limiter.rate).toBe(idleShare(TOTAL));
    await b.clock.advance(1_200);
    await b.budget.beat();
    expect(b.limiter.rate).toBe(TOTAL / 2);

    // b dies: its clock stops, it beats no more. a counts it gone after GONE_AFTER_MS, then waits out b's last second.
    for (let waited = 0; waited <= GONE_AFTER_MS + BEAT_MS; waited += BEAT_MS) {
      await a.clock.advance(BEAT_MS);
      await a.budget.beat();
    }
    expect(a.limiter.rate).toBe(TOTAL / 2); // b's sends of its last second may still count at Teams
    await a.clock.advance(1_200);
    await a.budget.beat();
    expect(a.limiter.rate).toBe(TOTAL);
    await a.budget.stop();
  });
});
