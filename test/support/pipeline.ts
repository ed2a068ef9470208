import type { DynamicsStanding } from '../../src/cards/lead-card';
import type { AudienceNotifier } from '../../src/pipeline/lead-notifier';
import type { LeadWorkerOptions } from '../../src/pipeline/lead-worker';
import type { StoredLead } from '../../src/storage/lead-store';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { dynamicsEnv } from './shared-services';
import { startTestApp, type TestApp } from './test-app';

/** Worker timings short enough for tests; the behaviour is the production one. */
export const FAST_WORKER = { idleMs: 50, probeMs: 300, retryBaseMs: 100, retryMaxMs: 200 };
export const FAST_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 5_000 };

export interface PipelineApp extends TestApp {
  /** Leads the notifier was handed to alert, in order, with where they stood in Dynamics. */
  readonly notified: { lead: StoredLead; dynamics: DynamicsStanding }[];
  /** Cards the notifier was asked to update, in order. */
  readonly refreshed: { lead: StoredLead; dynamics: DynamicsStanding }[];
}

/** The app with its worker running against a Dataverse emulator. */
export async function startPipelineApp(
  dv: DataverseEmulator,
  options: { auth?: 'aad' | 'o365'; env?: Record<string, string>; idpOrigin?: string; now?: () => Date; workerOptions?: Partial<LeadWorkerOptions> } = {},
): Promise<PipelineApp> {
  const notified: PipelineApp['notified'] = [];
  const refreshed: PipelineApp['refreshed'] = [];
  const notifier: AudienceNotifier = {
    notify(lead, dynamics) {
      notified.push({ lead, dynamics: dynamics.now() });
      return Promise.resolve({ unreached: [] });
    },
    refresh(lead, dynamics) {
      refreshed.push({ lead, dynamics });
      return Promise.resolve();
    },
  };
  const app = await startTestApp(
    { ...dynamicsEnv(dv.url, options.auth ?? 'aad', options.idpOrigin), ...options.env },
    { backgroundWork: true, notifier, workerOptions: { ...FAST_WORKER, ...options.workerOptions }, dynamicsRetry: FAST_RETRY, ...(options.now === undefined ? {} : { now: options.now }) },
  );
  return { ...app, notified, refreshed };
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
