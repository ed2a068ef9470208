import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { freePort } from '../../emulators/free-port';
import { runMain, type MainProcess } from '../support/main-process';
import { dynamicsEnv, sharedServices, startDataverse } from '../support/shared-services';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { postLead, startTestApp, testEnv, type TestApp } from '../support/test-app';

/** src/main.ts in its own process, on a free port, once it is ready; stopped by signals. */
async function startMain(env: Record<string, string | undefined>): Promise<{ url: string; exited: MainProcess['exited']; signal(name: NodeJS.Signals): number; output(): string }> {
  const port = await freePort();
  const run = runMain({ ...env, PORT: String(port), NODE_EXTRA_CA_CERTS: sharedServices().tls.certPath });
  const url = `http://127.0.0.1:${String(port)}`;
  await waitFor(() => fetch(`${url}/readyz`).then((r) => r.status, () => 0), (s) => s === 200);
  return {
    url,
    exited: run.exited,
    signal(name) {
      run.child.kill(name);
      return Date.now();
    },
    output: () => `${run.output().stdout}${run.output().stderr}`,
  };
}

/** A new lead each time: same payload, another buyer. */
function lead(i: number): unknown {
  const sample = fixture('https-appsource-contact-me') as { UserDetails: Record<string, string> };
  return { ...sample, UserDetails: { ...sample.UserDetails, Email: `buyer${String(i)}@shutdown.example` } };
}

describe('shutting down on SIGTERM', () => {
  let dv: DataverseEmulator;
  let observer: TestApp | undefined;

  beforeEach(async () => {
    dv = await startDataverse();
  });
  afterEach(async () => {
    await observer?.stop();
    observer = undefined;
    await dv.stop();
  });

  it('under load: stops taking leads, finishes or releases those in hand, exits 0, and loses no acknowledged lead', async () => {
    dv.faults.latencyMs = 40; // writes are in flight when the signal comes
    const env = testEnv({ ...dynamicsEnv(dv.url), LOG_LEVEL: 'info' });
    const bot = await startMain(env);

    // Eight senders, each posting new leads until the bot stops answering.
    const acknowledged: string[] = [];
    let next = 0;
    let signalledAt = 0;
    const senders = Array.from({ length: 8 }, async () => {
      for (;;) {
        const answer = await postLead(bot.url, lead(next++)).catch(() => undefined);
        if (answer === undefined) return; // refused: the server has closed
        if (answer.status === 202) acknowledged.push(answer.body.leadId as string);
        if (signalledAt === 0 && acknowledged.length >= 60) signalledAt = bot.signal('SIGTERM');
      }
    });
    await Promise.all(senders);
    const { code, at } = await bot.exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(10_000);
    expect(bot.output()).toContain('"msg":"shutting down"');

    // Another instance picks up whatever was left: every acknowledged lead reaches Dynamics, once.
    observer = await startTestApp({ ...env }, { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY });
    const leads = observer.app.storage.leads;
    const stored = await waitFor(() => Promise.all(acknowledged.map((id) => leads.get(id))), (all) => all.every((l) => l?.status === 'done'), 30_000);
    expect(stored).toHaveLength(acknowledged.length);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect(dv.leads.size).toBe(acknowledged.length);
  });

  it('exits within SHUTDOWN_SECONDS when a write hangs, and the lead it held is written later', async () => {
    dv.faults.stallNext(1, Infinity);
    const env = testEnv({ ...dynamicsEnv(dv.url), SHUTDOWN_SECONDS: '2', DYNAMICS_TIMEOUT_SECONDS: '600' });
    const bot = await startMain(env);
    const leadId = (await postLead(bot.url, lead(1))).body.leadId as string;
    await waitFor(() => dv.maxInFlight, (n) => n > 0); // the write is in flight, and stays so
    const signalledAt = bot.signal('SIGTERM');
    const { code, at } = await bot.exited;
    expect(code).toBe(1);
    expect(at - signalledAt).toBeGreaterThanOrEqual(2_000);
    expect(at - signalledAt).toBeLessThan(5_000);
    expect(bot.output()).toContain('shutdown took too long');

    observer = await startTestApp({ ...env }, { backgroundWork: true, workerOptions: { ...FAST_WORKER, hideMs: 1_000 }, dynamicsRetry: FAST_RETRY });
    const leads = observer.app.storage.leads;
    await waitFor(() => leads.get(leadId), (l) => l?.status === 'done', 30_000);
    expect(dv.leads.size).toBe(1);
  });
});
