/**
 * `npm run check:production`: what a deployment runs, checked from the outside. Stages the build
 * as `npm run stage` does for a deployment (production dependencies only) in a scratch folder,
 * starts it with `npm start` against the local stack (Azurite, the identity provider, the
 * Dataverse emulator), accepts a lead, sees it written into Dynamics, and stops it with SIGTERM.
 * CI runs it after the tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataverseEmulator } from '../emulators/dataverse';
import { freePort } from '../emulators/free-port';
import { startLocalStack } from '../emulators/local-stack';
import { fixture } from '../test/support/fixtures';
import { waitFor } from '../test/support/pipeline';
import { stageProduction } from './stage-production';

const KEY = 'production-check-intake-key';

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'lead-bot-production-'));
  const stack = await startLocalStack({ dynamics: true });
  const dataverse = stack.dataverse as DataverseEmulator;
  let bot: ChildProcess | undefined;
  try {
    stageProduction(scratch);

    const port = await freePort();
    bot = spawn('npm', ['start'], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        ...stack.settings,
        LEAD_INTAKE_KEY: KEY,
        // The local services' throwaway certificate, trusted by this process only.
        NODE_EXTRA_CA_CERTS: stack.tls.certPath,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
      // Its own process group, to find the node process in and to clean up after a failure.
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => bot?.once('exit', resolve));
    const url = `http://127.0.0.1:${String(port)}`;
    await waitFor(() => fetch(`${url}/readyz`).then((r) => r.status, () => 0), (status) => status === 200, 30_000).catch(() => {
      throw new Error('the production build did not become ready on /readyz');
    });
    const answer = await fetch(`${url}/api/leads?code=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture('https-appsource-contact-me')) });
    if (answer.status !== 202) throw new Error(`the production build answered a lead with ${String(answer.status)}`);
    await waitFor(() => dataverse.leads.size, (written) => written === 1, 30_000).catch(() => {
      throw new Error('the production build took the lead but did not write it into Dynamics');
    });
    // The signal goes to the node process npm started, as a platform stopping `node dist/main.js` sends it;
    // npm then exits with its code.
    const node = execFileSync('pgrep', ['-g', String(bot.pid ?? 0), '-f', '^node .*dist/main\\.js'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    process.kill(Number(node), 'SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`the production build exited with ${String(code)} on SIGTERM`);
    process.stdout.write('Production build: installed with production dependencies only, ready, took a lead, wrote it into Dynamics, stopped on SIGTERM.\n');
  } catch (error) {
    if (bot !== undefined && bot.exitCode === null) process.kill(-(bot.pid ?? 0), 'SIGKILL');
    throw error;
  } finally {
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
