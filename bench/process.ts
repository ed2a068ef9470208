import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Running {
  /** From the spawn until the process was ready, in ms. */
  readonly readyMs: number;
  /** Its resident set now, in MB (10^6 bytes; Linux). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` and resolves once it is ready: when `readyUrl` answers 200 (polled every
 * 10 ms), or else when the process writes `{"ready":true}` on stdout.
 */
export async function startNode(args: readonly string[], env: Record<string, string>, readyUrl?: string): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  const died = new Promise<never>((_, reject) => child.once('exit', (code) => { reject(new Error(`node ${args.join(' ')} exited with ${String(code)} before it was ready`)); }));
  died.catch(() => undefined);
  const announced = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"ready":true')) resolve();
    });
  });
  const polled = async (url: string): Promise<void> => {
    for (;;) {
      const ok = await fetch(url).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await Promise.race([readyUrl === undefined ? announced : polled(readyUrl), died]);
  const readyMs = performance.now() - started;
  return {
    readyMs,
    rss: () => (Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'))?.[1] ?? NaN) * 1024) / 1e6,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
