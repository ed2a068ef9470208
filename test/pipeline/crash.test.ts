import type { ChildProcess } from 'node:child_process';
import { startBotProcess } from '../support/bot-process';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { waitFor } from '../support/pipeline';
import { postLead, startTestApp, testEnv, type TestApp } from '../support/test-app';

describe('exactly once under a crash', () => {
  let dv: DataverseEmulator;
  let observer: TestApp; // reads the same storage, runs no worker
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dv = await startDataverse();
  });
  afterEach(async () => {
    for (const child of children) child.kill('SIGKILL');
    await observer.stop();
    await dv.stop();
  });

  it('creates one Dynamics record when the worker is killed between the create and recording it', async () => {
    const env = testEnv(dynamicsEnv(dv.url));
    observer = await startTestApp(env);
    // Dynamics commits the create, then never answers: the worker dies waiting.
    dv.faults.stallNext(1, Infinity, { afterCommit: true });

    const first = await startBotProcess(env);
    children.push(first.child);
    const leadId = (await postLead(first.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => dv.leads.size, (n) => n === 1);
    first.child.kill('SIGKILL');
    expect((await observer.app.storage.leads.get(leadId))?.status).toBe('received'); // the write was never recorded

    const second = await startBotProcess(env);
    children.push(second.child);
    const lead = await waitFor(() => observer.app.storage.leads.get(leadId), (l) => l?.status === 'done');

    expect(dv.leads.size).toBe(1);
    expect(lead?.dynamicsId).toBe(leadId);
    // The restarted worker met the committed record and took it as written.
    expect(dv.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([412]);
  });
});
