import { loadSettings } from '../../src/config/settings';
import { acceptLead } from '../../src/intake/accept-lead';
import { leadIdFor } from '../../src/leads/lead-id';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { createLogger } from '../../src/logging/create-logger';
import { LeadSweep, UNQUEUED_AFTER_MS } from '../../src/pipeline/lead-sweep';
import type { Routing } from '../../src/routing/route-lead';
import { openStorage, type Storage } from '../../src/storage/storage';
import { StorageLease } from '../../src/storage/storage-lease';
import { fixture } from '../support/fixtures';
import { openLeadQueue, queuedLeadIds, testEnv } from '../support/test-app';

describe('leads stored but never queued', () => {
  const details = parseHttpsLead(fixture('https-appsource-contact-me'));
  let storage: Storage;
  let settings: ReturnType<typeof loadSettings>;
  let clock: Date;
  const sweepOn = (instance: string): LeadSweep =>
    new LeadSweep({
      leads: storage.leads,
      queue: storage.leadQueue,
      waitingQueue: storage.waitingQueue,
      lease: new StorageLease(storage.state, 'lead-sweep', instance, () => clock),
      forwardLease: new StorageLease(storage.state, 'waiting-forward', instance, () => clock),
      logger: createLogger('silent'),
      now: () => clock,
    });

  beforeEach(async () => {
    settings = loadSettings(testEnv());
    storage = openStorage(settings.storage);
    await storage.ensureCreated();
    clock = new Date('2026-12-01T09:00:00Z');
  });

  it('are queued by the sweep a few minutes later, once, by one instance', async () => {
    // The queue failed after the lead was stored; the sender, answered 503, never sent it again.
    const lost = leadIdFor('lost');
    await storage.leads.create({ ...details, id: lost, origin: 'https', receivedAt: clock.toISOString() });
    const fine = await acceptLead(details, 'https', { key: 'fine', duplicateWindowMs: 3_600_000 }, { leads: storage.leads, leadQueue: storage.leadQueue, now: () => clock });
    // A worker took it: it records what the cards say before the first goes out.
    await storage.leads.update(fine.leadId, { alertedAs: 'pending' });

    // Still within the time a lead takes to be queued: left alone.
    clock = new Date(clock.getTime() + UNQUEUED_AFTER_MS - 1_000);
    expect(await sweepOn('a').tick()).toBe(0);

    clock = new Date(clock.getTime() + 2_000);
    const [first, second] = await Promise.all([sweepOn('a').tick(), sweepOn('b').tick()]);
    expect(first + second).toBe(1);
    expect((await storage.leads.get(lost))?.status).toBe('queued');
    expect((await queuedLeadIds(openLeadQueue(settings))).sort()).toEqual([fine.leadId, lost].sort());
    // Queued now: the next sweep finds nothing.
    clock = new Date(clock.getTime() + 120_000);
    expect(await sweepOn('a').tick()).toBe(0);
  });

  it('queues the leads waiting through an outage when Dynamics works again, by one instance, once a minute at most', async () => {
    const ids = ['w1', 'w2', 'throttled', 'done'].map((key) => leadIdFor(key));
    for (const id of ids) await storage.leads.create({ ...details, id, origin: 'https', receivedAt: clock.toISOString() });
    const [w1, w2, throttled, done] = ids as [string, string, string, string];
    await storage.leads.update(w1, { status: 'waiting', attempts: 3, lastErrorCode: 'DYNAMICS_UNAVAILABLE' });
    await storage.leads.update(w2, { status: 'waiting', attempts: 1, lastErrorCode: 'DYNAMICS_TIMEOUT' });
    // Dynamics said when to come back: it does, then.
    await storage.leads.update(throttled, { status: 'waiting', attempts: 1, lastErrorCode: 'DYNAMICS_THROTTLED' });
    await storage.leads.update(done, { status: 'done' });

    const [a, b] = [sweepOn('a'), sweepOn('b')];
    const [first, second] = await Promise.all([a.bringForward(), b.bringForward()]);
    expect([first, second].sort()).toEqual([0, 2]);
    // Where leads wait for Dynamics, behind no new lead.
    expect((await queuedLeadIds(openLeadQueue(settings, 'waiting'))).sort()).toEqual([w1, w2].sort());
    expect(await queuedLeadIds(openLeadQueue(settings))).toEqual([]);
    // Told again within the minute (another outage, another recovery): neither queues them again.
    clock = new Date(clock.getTime() + 1_000);
    expect(await a.bringForward()).toBe(0);
    expect(await b.bringForward()).toBe(0);
    clock = new Date(clock.getTime() + 61_000);
    expect(await a.bringForward()).toBe(2);
    expect(await b.bringForward()).toBe(0);
  });

  it('leaves alone a lead a worker has taken, and never moves a lead back', async () => {
    const taken = leadIdFor('taken');
    await storage.leads.create({ ...details, id: taken, origin: 'https', receivedAt: clock.toISOString() });
    // A worker took it and began its alert; its Dynamics write is still out.
    await storage.leads.update(taken, { alertedAs: 'pending' });
    clock = new Date(clock.getTime() + UNQUEUED_AFTER_MS + 1_000);
    expect(await sweepOn('a').tick()).toBe(0);

    // The worker finished the lead before a repeat delivery recorded queueing it again.
    await storage.leads.update(taken, { status: 'done', doneAt: clock.toISOString() });
    await storage.leads.markQueued(taken, clock);
    expect(await storage.leads.get(taken)).toMatchObject({ status: 'done', queuedAt: clock.toISOString() });
  });
});

describe('recording a round-robin alert', () => {
  const details = parseHttpsLead(fixture('https-appsource-contact-me'));
  const offered = (contacts: string[]): Routing => ({ kind: 'route', route: 'korea', contacts, chats: [], turn: { order: ['a@contoso.example', 'b@contoso.example'], chats: [], claimWithinMinutes: 10, until: '2026-12-01T09:10:00.000Z', everyone: false } });

  it('is refused for a step the lead was passed on from meanwhile, so the next step still alerts its contact', async () => {
    const storage = openStorage(loadSettings(testEnv()).storage);
    await storage.ensureCreated();
    const id = leadIdFor('passed-on');
    await storage.leads.create({ ...details, id, origin: 'https', receivedAt: '2026-12-01T09:00:00.000Z' });
    const first = await storage.leads.route(id, offered(['a@contoso.example']));
    // Passed on to b while a pass was still alerting a.
    await storage.leads.passTurn(id, () => offered(['a@contoso.example', 'b@contoso.example']));

    expect(await storage.leads.recordAlerted(id, '2026-12-01T09:10:01.000Z', first)).toBe(false);
    expect((await storage.leads.get(id))?.alertedAt).toBeUndefined();
    const current = (await storage.leads.get(id))?.routing;
    expect(await storage.leads.recordAlerted(id, '2026-12-01T09:10:02.000Z', current)).toBe(true);
    expect((await storage.leads.get(id))?.alertedAt).toBe('2026-12-01T09:10:02.000Z');
  });
});
