import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface MainProcess {
  readonly child: ChildProcess;
  /** The exit code, and when it came (ms since the epoch). */
  readonly exited: Promise<{ code: number | null; at: number }>;
  output(): { stdout: string; stderr: string };
}

/** Runs src/main.ts as `npm start` runs the build: a real process, settings from its environment only. */
export function runMain(env: Record<string, string | undefined>, args: string[] = []): MainProcess {
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => {
    child.once('exit', (code) => {
      resolve({ code, at: Date.now() });
    });
  });
  return { child, exited, output: () => ({ stdout, stderr }) };
}
