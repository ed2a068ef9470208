import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { QueueClient } from '@azure/storage-queue';
import type { DynamicsStanding } from '../../src/cards/lead-card';
import { dynamicsError, type DynamicsError } from '../../src/dynamics/dynamics-error';
import type { Lead } from '../../src/leads/lead';
import { createLogger } from '../../src/logging/create-logger';
import { DeadLetters } from '../../src/pipeline/dead-letters';
import type { LeadNotifier } from '../../src/pipeline/lead-notifier';
import { LeadWorker, type LeadWorkerOptions, type PipelineBlock } from '../../src/pipeline/lead-worker';
import type { LeadWriter } from '../../src/pipeline/lead-writer';
import type { StoredLead } from '../../src/storage/lead-store';
import { expandConnectionString } from '../../src/config/parse-connection-string';
import { openStorage, type Storage } from '../../src/storage/storage';
import { waitFor } from '../support/pipeline';

/**
 * What the worker decides after each write, pass by pass: written, retried (and when), waiting
 * for an admin's fix, dead-lettered. The worker and its storage are the real ones (Azurite);
 * Dynamics is a writer answering as scripted, with the catalog's errors, so each decision is
 * reached at once instead of after real retries (test/pipeline/pipeline.test.ts drives the
 * same decisions end to end against the Dataverse emulator).
 */

const HOUR = 3_600_000;
const ORG = 'https://contoso.crm4.dynamics.com';
const T0 = new Date('2026-11-20T09:00:00.000Z');

const OPTIONS: LeadWorkerOptions = {
  retryMs: 72 * HOUR,
  batchSize: 4,
  // A pass that fails for a reason other than Dynamics makes the lead reappear after this.
  hideMs: 1_000,
  idleMs: 20,
  probeMs: 60_000,
  // Long enough that a lead retried with backoff does not come back during a test.
  retryBaseMs: 60_000,
  retryMaxMs: 120_000,
  // A pass that fails for a reason other than Dynamics (a bug) is tried again after this.
  failedPassMs: 1_000,
  maxFailedPasses: 2,
  // The alert waits for the scripted answer, so it shows the decision.
  alertGraceMs: 5_000,
};

type Answer = DynamicsError | Error | 'written';

/** Dynamics as scripted: each write takes the next answer; 'written' once the script runs out. */
function scriptedDynamics(answers: Answer[]): LeadWriter & { readonly tried: string[] } {
  const tried: string[] = [];
  return {
    tried,
    write(lead) {
      tried.push(lead.id);
      const answer = answers.shift() ?? 'written';
      return answer === 'written' ? Promise.resolve({ recordId: lead.id, created: true }) : Promise.reject(answer);
    },
    recordUrl: (id) => `${ORG}/main.aspx?pagetype=entityrecord&etn=lead&id=${id}`,
  };
}

function lead(receivedAt: Date, lastName = 'Whitfield'): Lead {
  return {
    id: randomUUID(),
    origin: 'https',
    receivedAt: receivedAt.toISOString(),
    customer: { firstName: 'Dana', lastName, email: 'dana@fabrikam.example', phone: '', country: 'GB', company: 'Fabrikam Ltd', title: '' },
    source: { raw: 'AppSource-PLT|contoso.sales', channel: 'AppSource', actionCode: 'PLT', action: 'Contact me', offerId: 'contoso.sales', offerTitle: 'Contoso Sales' },
    description: '',
    isTest: false,
    doNotContact: false,
  };
}

describe('what the lead worker decides after a write', () => {
  let storage: Storage;
  let queue: QueueClient;
  let deadLetters: DeadLetters;
  let notified: { lead: StoredLead; dynamics: DynamicsStanding }[];
  let blocks: PipelineBlock[];
  let writtenTold: number;
  let logs: string[];
  let clock: Date;
  let worker: LeadWorker | undefined;
  let notify: () => Promise<void>;

  beforeEach(async () => {
    const connectionString = process.env.TEST_STORAGE_CONNECTION_STRING;
    if (connectionString === undefined) throw new Error('Azurite is not running: the jest global setup starts it');
    const namePrefix = `t${randomBytes(5).toString('hex')}`;
    storage = openStorage({ connectionString, namePrefix });
    await storage.ensureCreated();
    queue = new QueueClient(expandConnectionString(connectionString), `${namePrefix}-leads`);
    deadLetters = new DeadLetters(storage.deadLetterTable, storage.leads, storage.leadQueue);
    notified = [];
    blocks = [];
    writtenTold = 0;
    logs = [];
    clock = T0;
    notify = () => Promise.resolve();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  function startWorker(dynamics: LeadWriter, options: Partial<LeadWorkerOptions> = {}): LeadWorker {
    const notifier: LeadNotifier = {
      async notify(l, dynamicsStanding) {
        await notify();
        // What the card would say as it goes.
        notified.push({ lead: l, dynamics: dynamicsStanding.now() });
        return { unreached: [] };
      },
      refresh: () => Promise.resolve(),
    };
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    worker = new LeadWorker(
      {
        leads: storage.leads,
        queue: storage.leadQueue,
        deadLetters,
        writer: dynamics,
        notifier,
        logger: createLogger('info', sink),
        now: () => clock,
        watcher: {
          blocked: (block) => blocks.push(block),
          written: () => {
            writtenTold++;
          },
        },
      },
      { ...OPTIONS, ...options },
    );
    worker.start();
    return worker;
  }

  /** Stores and queues a lead, as the intake does. */
  async function queueLead(l: Lead): Promise<string> {
    await storage.leads.create(l);
    await storage.leadQueue.enqueue(l.id);
    return l.id;
  }

  const stored = async (id: string): Promise<StoredLead | undefined> => storage.leads.get(id);
  /** Messages on the work queue, hidden ones (leads to retry later) included. */
  const onQueue = async (): Promise<number> => (await queue.getProperties()).approximateMessagesCount ?? -1;
  const logged = (message: string): unknown[] =>
    logs.map((line) => JSON.parse(line) as { msg: string }).filter((entry) => entry.msg === message);

  it('writes a lead Dynamics takes, alerts it as in Dynamics, and is done with it', async () => {
    const dynamics = scriptedDynamics([]);
    const id = await queueLead(lead(T0));
    startWorker(dynamics);

    await waitFor(() => stored(id), (l) => l?.status === 'done');
    await worker?.stop();
    expect(await stored(id)).toMatchObject({ status: 'done', dynamicsId: id, writtenAt: T0.toISOString(), attempts: 0 });
    expect(notified.map((n) => n.dynamics)).toEqual([{ state: 'written', url: `${ORG}/main.aspx?pagetype=entityrecord&etn=lead&id=${id}` }]);
    expect(writtenTold).toBe(1);
    expect(await onQueue()).toBe(0);
    expect(await deadLetters.list()).toEqual([]);
  });

  it('retries a lead Dynamics cannot take now, keeping it on the queue with its attempt counted', async () => {
    const dynamics = scriptedDynamics([dynamicsError('DYNAMICS_UNAVAILABLE', 'HTTP 503')]);
    const id = await queueLead(lead(T0));
    startWorker(dynamics);

    await waitFor(() => stored(id), (l) => l?.attempts === 1);
    await worker?.stop();
    expect(await stored(id)).toMatchObject({
      status: 'waiting',
      attempts: 1,
      lastErrorCode: 'DYNAMICS_UNAVAILABLE',
      lastError: 'Dynamics is not answering properly (5xx or connection failure). HTTP 503',
    });
    expect(notified.map((n) => n.dynamics)).toEqual([{ state: 'pending', reason: 'transient' }]);
    expect(await onQueue()).toBe(1); // hidden until its backoff ends, not dropped
    expect(await deadLetters.list()).toEqual([]);
    expect(blocks).toEqual([]);
    expect(logged('lead will be retried: Dynamics is not answering properly (5xx or connection failure). HTTP 503')).toEqual([
      expect.objectContaining({ code: 'DYNAMICS_UNAVAILABLE', attempts: 1, retryInMs: expect.any(Number) }),
    ]);
  });

  it('tries a throttled lead again after the Retry-After Dynamics asked for, not after its own backoff', async () => {
    const dynamics = scriptedDynamics([dynamicsError('DYNAMICS_THROTTLED', undefined, 1_000)]);
    const id = await queueLead(lead(T0));
    startWorker(dynamics);

    await waitFor(() => stored(id), (l) => l?.status === 'done', 10_000);
    expect(dynamics.tried).toEqual([id, id]);
    expect((await stored(id))?.attempts).toBe(1);
  });

  it('dead-letters a lead still failing LEAD_RETRY_HOURS after it arrived, and retries one a moment younger', async () => {
    const dynamics = scriptedDynamics([dynamicsError('DYNAMICS_TIMEOUT'), dynamicsError('DYNAMICS_TIMEOUT')]);
    const old = await queueLead(lead(new Date(T0.getTime() - OPTIONS.retryMs), 'Old'));
    const younger = await queueLead(lead(new Date(T0.getTime() - OPTIONS.retryMs + 1), 'Younger'));
    startWorker(dynamics);

    await waitFor(() => stored(old), (l) => l?.status === 'dead-lettered');
    await waitFor(() => stored(younger), (l) => l?.attempts === 1);
    await worker?.stop();
    expect(await stored(younger)).toMatchObject({ status: 'waiting', lastErrorCode: 'DYNAMICS_TIMEOUT' });
    expect(await deadLetters.list()).toEqual([
      { leadId: old, code: 'DYNAMICS_TIMEOUT', reason: 'Dynamics did not answer in time.', fix: expect.stringContaining('request channel timed out'), at: T0.toISOString() },
    ]);
    expect(await stored(old)).toMatchObject({ lastErrorCode: 'DYNAMICS_TIMEOUT', lastError: 'Dynamics did not answer in time.' });
    const cards = new Map(notified.map((n) => [n.lead.id, n.dynamics]));
    expect(cards.get(old)).toEqual({ state: 'failed', reason: 'gaveUp' });
    expect(cards.get(younger)).toEqual({ state: 'pending', reason: 'transient' });
    expect(await onQueue()).toBe(1); // the younger one only
    expect(logged('lead dead-lettered: Dynamics did not answer in time.')).toEqual([expect.objectContaining({ code: 'DYNAMICS_TIMEOUT', attempts: 1 })]);
  });

  it('dead-letters at once a lead Dynamics rejects, with Dynamics\' reason', async () => {
    const refusal = dynamicsError('DYNAMICS_LEAD_REJECTED', "Dynamics said: 'companyname' on the 'lead' entity must have a value.");
    const dynamics = scriptedDynamics([refusal]);
    const id = await queueLead(lead(T0));
    startWorker(dynamics);

    await waitFor(() => stored(id), (l) => l?.status === 'dead-lettered');
    await worker?.stop();
    expect(await deadLetters.list()).toEqual([{ leadId: id, code: 'DYNAMICS_LEAD_REJECTED', reason: refusal.message, fix: refusal.fix, at: T0.toISOString() }]);
    expect(notified.map((n) => n.dynamics)).toEqual([{ state: 'failed', reason: 'rejected' }]);
    expect(dynamics.tried).toEqual([id]);
    expect(await onQueue()).toBe(0);
  });

  it('on a configuration error, keeps every lead waiting with the fix, lets one lead probe per probeMs, and resumes by itself', async () => {
    const roleMissing = dynamicsError('DYNAMICS_ROLE_MISSING');
    const dynamics = scriptedDynamics([roleMissing, roleMissing]);
    const first = await queueLead(lead(T0, 'First'));
    const w = startWorker(dynamics, { probeMs: 1_000 });

    await waitFor(() => stored(first), (l) => l?.status === 'waiting');
    expect(w.blocked).toEqual({ error: roleMissing, since: T0 });
    expect(blocks).toEqual([{ error: roleMissing, since: T0 }]);
    expect(await stored(first)).toMatchObject({ attempts: 0, lastErrorCode: 'DYNAMICS_ROLE_MISSING', lastError: roleMissing.message });

    // A lead arriving meanwhile is not tried: it waits, saying why, and is alerted at once.
    const second = await queueLead(lead(T0, 'Second'));
    const alert = await waitFor(() => notified.find((n) => n.lead.id === second), (n) => n !== undefined);
    expect(dynamics.tried).toEqual([first]);
    expect(await stored(second)).toMatchObject({ status: 'waiting', attempts: 0, lastErrorCode: 'DYNAMICS_ROLE_MISSING', lastError: roleMissing.message });
    expect(alert?.dynamics).toEqual({
      state: 'pending',
      reason: 'configuration',
    });

    // The next probe fails the same way: still blocked since the first failure, watcher told again.
    clock = new Date(T0.getTime() + 60_000);
    await waitFor(() => dynamics.tried.length, (n) => n === 2, 5_000);
    await waitFor(() => blocks.length, (n) => n === 2);
    expect(w.blocked?.since).toEqual(T0);
    expect(logged(`leads are waiting: ${roleMissing.message}`)).toHaveLength(1);

    // The fix is made: the next probe writes, and the other lead follows.
    for (const id of [first, second]) await waitFor(() => stored(id), (l) => l?.status === 'done', 10_000);
    expect(w.blocked).toBeUndefined();
    expect(dynamics.tried).toHaveLength(4);
    expect(logs.join('')).toContain('Dynamics works again; waiting leads are being written');
    expect(await deadLetters.list()).toEqual([]);
  });

  it('counts a pass that fails for a reason other than Dynamics, and gives the lead up after maxFailedPasses', async () => {
    const teamsDown = new Error(`Teams refused the card: ${'x'.repeat(400)}`);
    notify = () => Promise.reject(teamsDown);
    const dynamics = scriptedDynamics([]);
    const id = await queueLead(lead(T0));
    startWorker(dynamics);

    await waitFor(() => stored(id), (l) => l?.failedPasses === 1);
    // Its record is written; only the alert failed.
    expect(await stored(id)).toMatchObject({ status: 'written', dynamicsId: id });
    expect(await deadLetters.list()).toEqual([]);

    // The message reappears after hideMs; the second failed pass is the last.
    await waitFor(() => deadLetters.list(), (letters) => letters.length === 1, 10_000);
    await worker?.stop();
    expect(await deadLetters.list()).toEqual([
      {
        leadId: id,
        code: 'LEAD_NOT_FINISHED',
        reason: `Tried 2 times; the last failure: ${teamsDown.message.slice(0, 300)}`,
        fix: 'Type status to see it; once Teams, Microsoft Graph or storage work again, retry sends it through (its alert and, if needed, its Dynamics record).',
        at: T0.toISOString(),
      },
    ]);
    // Not dead-lettered in Dynamics' terms (the record is there), and its alert starts over when re-driven.
    expect(await stored(id)).toMatchObject({ status: 'written', failedPasses: 0, alertedAt: undefined });
    expect(await onQueue()).toBe(0);
    expect(dynamics.tried).toEqual([id]);
    expect(logged('lead given up after repeated failures other than Dynamics')).toEqual([expect.objectContaining({ passes: 2 })]);
  });

  it('counts a write that fails for a reason other than Dynamics (a bug) as a failed pass, not a Dynamics attempt', async () => {
    const dynamics = scriptedDynamics([new TypeError("Cannot read properties of undefined (reading 'lastName')")]);
    const id = await queueLead(lead(T0));
    startWorker(dynamics);

    await waitFor(() => stored(id), (l) => (l?.failedPasses ?? 0) >= 1);
    await worker?.stop();
    expect(await stored(id)).toMatchObject({ status: 'received', attempts: 0, lastErrorCode: undefined });
    expect(await deadLetters.list()).toEqual([]);
  });

  it('says a non-Error failure is unknown when it gives the lead up', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a careless library may throw
    notify = () => Promise.reject('a string, not an Error');
    const id = await queueLead(lead(T0));
    startWorker(scriptedDynamics([]), { maxFailedPasses: 1 });

    await waitFor(() => deadLetters.list(), (letters) => letters.length === 1);
    expect((await deadLetters.list())[0]).toMatchObject({ leadId: id, reason: 'Tried 1 times; the last failure: unknown' });
  });
});
