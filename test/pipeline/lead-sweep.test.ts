import { loadSettings } from '../../src/config/settings';
import { acceptLead } from '../../src/intake/accept-lead';
import { leadIdFor } from '../../src/leads/lead-id';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { createLogger } from '../../src/logging/create-logger';
import { LeadSweep, UNQUEUED_AFTER_MS } from '../../src/pipeline/lead-sweep';
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
    new LeadSweep({ leads: storage.leads, queue: storage.leadQueue, lease: new StorageLease(storage.state, 'lead-sweep', instance, () => clock), logger: createLogger('silent'), now: () => clock });

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

  it('never moves a lead back: a worker done with it before the intake recorded the queueing keeps it done', async () => {
    const id = leadIdFor('fast');
    const created = await storage.leads.create({ ...details, id, origin: 'https', receivedAt: clock.toISOString() });
    if (created === 'exists') throw new Error('a new lead');
    // The worker took the message and finished the lead before the intake's next write landed.
    await storage.leads.update(id, { status: 'done', doneAt: clock.toISOString() });
    await storage.leads.markQueued(id, clock, created.etag);
    expect(await storage.leads.get(id)).toMatchObject({ status: 'done', queuedAt: clock.toISOString() });
    // The same without the row's ETag (a repeat delivery, the sweep).
    await storage.leads.markQueued(id, clock);
    expect((await storage.leads.get(id))?.status).toBe('done');
  });
});
