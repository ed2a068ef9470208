import type { DataverseEmulator } from '../../emulators/dataverse';
import type { LeadNotifier } from '../../src/pipeline/lead-notifier';
import { fixture } from '../support/fixtures';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

describe('alerts while Dynamics hangs', () => {
  let dv: DataverseEmulator;
  let t: TestApp;

  afterEach(async () => {
    // Dynamics first: the hanging writes end with it, and the app can stop.
    await dv.stop();
    await t.stop();
  });

  it('alerts every new lead even when the leads in hand all wait for Dynamics: waiting for Dynamics does not take an alert’s room', async () => {
    dv = await startDataverse();
    // Every write hangs (until the emulator stops): each lead in hand waits for Dynamics.
    dv.faults.stallNext(100, Infinity);
    const alerted: string[] = [];
    const notifier: LeadNotifier = {
      notify(lead) {
        alerted.push(lead.id);
        return Promise.resolve({ unreached: [] });
      },
      refresh: () => Promise.resolve(),
    };
    // One lead per batch: two being alerted at once, four in hand in all.
    t = await startTestApp(dynamicsEnv(dv.url), { backgroundWork: true, notifier, workerOptions: { ...FAST_WORKER, batchSize: 1, alertGraceMs: 50 }, dynamicsRetry: FAST_RETRY });

    for (let i = 0; i < 4; i++) {
      const lead = fixture('https-appsource-contact-me') as { UserDetails: Record<string, string> };
      await postLead(t.url, { ...lead, UserDetails: { ...lead.UserDetails, LastName: `Waiting${String(i)}` } });
    }
    await waitFor(() => alerted.length, (n) => n === 4);
    expect(dv.leads.size).toBe(0);
  });
});
