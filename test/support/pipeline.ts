import type { LeadNotifier } from '../../src/pipeline/lead-notifier';
import type { StoredLead } from '../../src/storage/lead-store';
import type { DataverseEmulator } from './dataverse-emulator';
import { dynamicsEnv } from './local-services';
import { startTestApp, type TestApp } from './test-app';

/** Worker timings short enough for tests; the behaviour is the production one. */
export const FAST_WORKER = { idleMs: 50, probeMs: 300, retryBaseMs: 100 };
export const FAST_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 5_000 };

export interface PipelineApp extends TestApp {
  /** Leads the notifier was handed, in order, with the Dynamics link it got. */
  readonly notified: { lead: StoredLead; dynamicsUrl: string | undefined }[];
}

/** The app with its worker running against a Dataverse emulator. */
export async function startPipelineApp(
  dv: DataverseEmulator,
  options: { auth?: 'aad' | 'o365'; env?: Record<string, string>; idpOrigin?: string } = {},
): Promise<PipelineApp> {
  const notified: PipelineApp['notified'] = [];
  const notifier: LeadNotifier = {
    notify(lead, dynamicsUrl) {
      notified.push({ lead, dynamicsUrl });
      return Promise.resolve();
    },
  };
  const app = await startTestApp(
    { ...dynamicsEnv(dv.url, options.auth ?? 'aad', options.idpOrigin), ...options.env },
    { backgroundWork: true, notifier, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY },
  );
  return { ...app, notified };
}

/** Polls until the check passes, or fails with the last value seen. */
export async function waitFor<T>(read: () => Promise<T> | T, passes: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (passes(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
