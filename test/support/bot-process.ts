import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sharedServices } from './shared-services';

export interface BotProcessOptions {
  /** The local services' certificate; the jest global setup's when not given. */
  readonly certPath?: string;
  /** Every line the bot writes (stdout and stderr), as written; only warnings and errors are logged when not given. */
  readonly onLine?: (line: string) => void;
}

/** Starts the bot in a child process and resolves with its URL. */
export async function startBotProcess(env: Record<string, string | undefined>, options: BotProcessOptions = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', join(__dirname, 'app-process.ts')], {
    env: {
      ...process.env,
      ...env,
      LOG_LEVEL: options.onLine === undefined ? 'warn' : 'debug',
      TEST_TRUSTED_CERT: options.certPath ?? sharedServices().tls.certPath,
      TEST_HIDE_MS: '1500',
    },
    stdio: ['ignore', 'pipe', options.onLine === undefined ? 'inherit' : 'pipe'],
  });
  const { stdout, stderr } = child;
  if (stdout === null) throw new Error('the bot process has no stdout');
  const onLine = options.onLine;
  if (onLine !== undefined && stderr !== null) createInterface({ input: stderr }).on('line', onLine);
  const url = await new Promise<string>((resolve, reject) => {
    // Log lines may come first; the process announces itself with `ready`.
    createInterface({ input: stdout }).on('line', (line) => {
      onLine?.(line);
      const announced = JSON.parse(line) as { ready?: boolean; url?: string };
      if (announced.ready === true && announced.url !== undefined) resolve(announced.url);
    });
    child.once('exit', (code) => {
      reject(new Error(`bot exited with ${String(code)}`));
    });
  });
  return { child, url };
}
