import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sharedServices } from './shared-services';

/** Starts the bot in a child process and resolves with its URL. */
export async function startBotProcess(env: Record<string, string | undefined>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', join(__dirname, 'app-process.ts')], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn', TEST_TRUSTED_CERT: sharedServices().tls.certPath, TEST_HIDE_MS: '1500' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    // Log lines may come first; the process announces itself with `ready`.
    createInterface({ input: child.stdout }).on('line', (line) => {
      const announced = JSON.parse(line) as { ready?: boolean; url?: string };
      if (announced.ready === true && announced.url !== undefined) resolve(announced.url);
    });
    child.once('exit', (code) => {
      reject(new Error(`bot exited with ${String(code)}`));
    });
  });
  return { child, url };
}

