import { acceptLead, type AcceptLeadDeps } from '../../src/intake/accept-lead';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { leadIdFor } from '../../src/leads/lead-id';
import { loadSettings } from '../../src/config/settings';
import { openStorage, type Storage } from '../../src/storage/storage';
import { fixture } from '../support/fixtures';
import { openLeadQueue, queuedLeadIds, testEnv } from '../support/test-app';

const HOUR = 3_600_000;

describe('acceptLead', () => {
  let storage: Storage;
  let settings: ReturnType<typeof loadSettings>;
  let clock: Date;
  let deps: AcceptLeadDeps;
  const details = parseHttpsLead(fixture('https-appsource-contact-me'));

  beforeEach(async () => {
    settings = loadSettings(testEnv());
    storage = openStorage(settings.storage);
    await storage.ensureCreated();
    clock = new Date('2026-11-20T09:00:00Z');
    deps = { leads: storage.leads, leadQueue: storage.leadQueue, now: () => clock };
  });

  it('treats a repeat inside the window as the same lead, and one after it as a new lead', async () => {
    const identity = { key: 'k1', duplicateWindowMs: 24 * HOUR };
    const first = await acceptLead(details, 'https', identity, deps);
    clock = new Date(clock.getTime() + 23 * HOUR);
    const repeat = await acceptLead(details, 'https', identity, deps);
    clock = new Date(clock.getTime() + 2 * HOUR);
    const later = await acceptLead(details, 'https', identity, deps);
    clock = new Date(clock.getTime() + 1 * HOUR);
    const laterRepeat = await acceptLead(details, 'https', identity, deps);

    expect(first).toEqual({ leadId: leadIdFor('k1'), duplicate: false, isTest: false });
    expect(repeat).toEqual({ ...first, duplicate: true });
    expect(later).toEqual({ leadId: leadIdFor('k1#1'), duplicate: false, isTest: false });
    expect(laterRepeat).toEqual({ ...later, duplicate: true });
    expect((await storage.leads.get(later.leadId))?.receivedAt).toBe('2026-11-21T10:00:00.000Z');
  });

  it('takes a repeat exactly at the end of the window as the same lead', async () => {
    const identity = { key: 'k4', duplicateWindowMs: 24 * HOUR };
    const first = await acceptLead(details, 'https', identity, deps);
    clock = new Date(clock.getTime() + 24 * HOUR);
    expect(await acceptLead(details, 'https', identity, deps)).toEqual({ ...first, duplicate: true });
  });

  it('stores and queues a new lead with two writes: the row, as received, and its message', async () => {
    const accepted = await acceptLead(details, 'https', { key: 'k6', duplicateWindowMs: HOUR }, deps);

    expect(await storage.leads.get(accepted.leadId)).toMatchObject({ status: 'received', queuedAt: undefined });
    expect(await queuedLeadIds(openLeadQueue(settings))).toEqual([accepted.leadId]);
  });

  it('queues a lead that an earlier delivery stored but never queued, once however often it is repeated', async () => {
    // The first delivery died between storing and queueing: its sender got no 2xx.
    const id = leadIdFor('k2');
    await storage.leads.create({ ...details, id, origin: 'https', receivedAt: clock.toISOString() });
    clock = new Date(clock.getTime() + 60_000);

    const retry = await acceptLead(details, 'https', { key: 'k2', duplicateWindowMs: HOUR }, deps);
    const again = await acceptLead(details, 'https', { key: 'k2', duplicateWindowMs: HOUR }, deps);

    expect(retry).toEqual({ leadId: id, duplicate: true, isTest: false });
    expect(again).toEqual(retry);
    expect(await storage.leads.get(id)).toMatchObject({ status: 'queued', queuedAt: clock.toISOString(), duplicates: 2 });
    expect(await queuedLeadIds(openLeadQueue(settings))).toEqual([id]);
  });

  it('queues nothing more for a repeat of a lead a worker has taken', async () => {
    const accepted = await acceptLead(details, 'https', { key: 'k3', duplicateWindowMs: HOUR }, deps);
    // A worker took the message and began the alert: it records what the cards say first.
    await storage.leads.update(accepted.leadId, { alertedAs: 'pending' });

    expect(await acceptLead(details, 'https', { key: 'k3', duplicateWindowMs: HOUR }, deps)).toEqual({ ...accepted, duplicate: true });
    expect(await storage.leads.get(accepted.leadId)).toMatchObject({ status: 'received', duplicates: 1 });
    expect(await queuedLeadIds(openLeadQueue(settings))).toEqual([accepted.leadId]);
  });
});
