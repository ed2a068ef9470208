import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Running {
  readonly url: string;
  readonly pid: number;
  /** From the spawn until the process announced it was ready, in ms. */
  readonly readyMs: number;
  /** Its resident set now, in MiB (Linux). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts a TypeScript entry in a Node process of its own (through tsx, as the bench itself runs)
 * and resolves once it writes `{"ready":true,"url":…}` on stdout.
 */
export async function startProcess(entry: string, env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', ...nodeArgs, '--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const announced = JSON.parse(line) as { ready?: boolean; url?: string };
        if (announced.ready === true) resolve(announced.url ?? '');
      } catch {
        // a log line, not the announcement
      }
    });
    child.once('exit', (code) => { reject(new Error(`${entry} exited with ${String(code)} before it was ready`)); });
  });
  const readyMs = performance.now() - started;
  return {
    url,
    pid: child.pid ?? 0,
    readyMs,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
