/**
 * `npm run check:production`: what a deployment runs, checked from the outside. Stages the build
 * as `npm run stage` does for a deployment (production dependencies only) in a scratch folder,
 * starts it with `npm start` against Azurite, accepts a lead, and stops it with SIGTERM. CI runs
 * it after the tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../test/support/azurite';
import { freePort } from '../test/support/free-port';
import { dynamicsEnv } from '../test/support/local-services';
import { fixture } from '../test/support/fixtures';
import { waitFor } from '../test/support/pipeline';
import { stageProduction } from './stage-production';

const KEY = 'production-check-intake-key';

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'lead-bot-production-'));
  const azurite = await startAzurite();
  let bot: ChildProcess | undefined;
  try {
    stageProduction(scratch);

    const port = await freePort();
    bot = spawn('npm', ['start'], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        STORAGE_CONNECTION_STRING: azurite.connectionString,
        LEAD_INTAKE_KEY: KEY,
        // Nothing answers there: the check is that the build runs and takes leads, not Dynamics.
        ...dynamicsEnv('https://127.0.0.1:9', 'aad', 'https://127.0.0.1:9'),
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
    // The signal goes to the node process npm started, as a platform stopping `node dist/main.js` sends it;
    // npm then exits with its code.
    const node = execFileSync('pgrep', ['-g', String(bot.pid ?? 0), '-f', '^node .*dist/main\\.js'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    process.kill(Number(node), 'SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`the production build exited with ${String(code)} on SIGTERM`);
    process.stdout.write('Production build: installed with production dependencies only, ready, took a lead, stopped on SIGTERM.\n');
  } catch (error) {
    if (bot !== undefined && bot.exitCode === null) process.kill(-(bot.pid ?? 0), 'SIGKILL');
    throw error;
  } finally {
    await azurite.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
