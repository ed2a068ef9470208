import type { LeadNotifier } from '../../src/pipeline/lead-notifier';
import { fixture } from '../support/fixtures';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

describe('the hold on a lead in hand', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
  });

  it('stops the work on a lead whose hold could not be renewed, instead of going on unseen', async () => {
    // An alert that takes as long as the test says: the hold is renewed meanwhile, until it cannot be.
    let release: (() => void) | undefined;
    let alerts = 0;
    const notifier: LeadNotifier = {
      notify: () => {
        alerts++;
        return new Promise((resolve) => {
          release = () => {
            resolve({ unreached: [] });
          };
        });
      },
      refresh: () => Promise.resolve(),
    };
    t = await startTestApp({}, { backgroundWork: true, notifier, workerOptions: { ...FAST_WORKER, hideMs: 400 }, dynamicsRetry: FAST_RETRY });
    const app = t;
    const leadId = (await postLead(app.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => alerts, (n) => n === 1);

    // The message goes from under the worker (as when its hold lapsed and another worker took it).
    await app.queue.clearMessages();
    await waitFor(() => app.logs.join(''), (logs) => logs.includes('lost hold of the lead'));
    expect(app.logs.join('')).toMatch(new RegExp(`"leadId":"${leadId}".*lost hold of the lead: another worker may have it`));

    // The alert it was waiting on finishes, too late to be this worker's to record.
    release?.();
    await waitFor(() => app.logs.join(''), (logs) => logs.includes('stopped working on a lead whose hold was lost'));
    const lead = await app.app.storage.leads.get(leadId);
    expect(lead?.alertedAt).toBeUndefined();
    expect(lead?.failedPasses).toBe(0);
  });
});
