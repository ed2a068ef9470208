/**
 * What a bench part reports: figures, each with the baseline measured beside it in the same run
 * (so a figure reads as a ratio, not as a number that depends on the machine) and the target it
 * is held to, if any.
 */
export interface Figure {
  readonly name: string;
  readonly value: number;
  /** '/s', 'ms', 's', 'MiB', or '' for a count. */
  readonly unit: string;
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly target?: Target;
  /** What else the reader needs: throttled answers, the limit that set a burst… */
  readonly note?: string;
}

/**
 * A figure's target. `ratio-at-least`/`ratio-at-most`: value ÷ baseline against `limit` (for a
 * time, at most 1.05 means within 5% of the baseline); `at-most`/`at-least`: the value itself.
 */
export interface Target {
  readonly kind: 'ratio-at-least' | 'ratio-at-most' | 'at-most' | 'at-least';
  readonly limit: number;
}

export interface Judged extends Figure {
  readonly part: string;
  /** value ÷ baseline, when there is a baseline. */
  readonly ratio: number | undefined;
  /** Undefined when the figure has no target. */
  readonly pass: boolean | undefined;
}

export function judge(part: string, figure: Figure): Judged {
  const ratio = figure.baseline === undefined ? undefined : figure.value / figure.baseline.value;
  const target = figure.target;
  let pass: boolean | undefined;
  if (target !== undefined) {
    const measured = target.kind.startsWith('ratio') ? ratio : figure.value;
    if (measured === undefined || !Number.isFinite(measured)) pass = false;
    else pass = target.kind.endsWith('at-least') ? measured >= target.limit : measured <= target.limit;
  }
  return { ...figure, part, ratio, pass };
}

export function describeTarget(target: Target, unit: string): string {
  switch (target.kind) {
    case 'ratio-at-least':
      return `>= ${String(target.limit)}x`;
    case 'ratio-at-most':
      return `<= ${String(target.limit)}x`;
    case 'at-most':
      return `<= ${String(target.limit)} ${unit}`.trim();
    case 'at-least':
      return `>= ${String(target.limit)} ${unit}`.trim();
  }
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** Runs `count` calls, `concurrency` at a time; the calls per second, and each call's latency in ms. */
export async function timed(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<{ rate: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const began = performance.now();
        await one(i);
        latencies.push(performance.now() - began);
      }
    }),
  );
  return { rate: count / ((performance.now() - started) / 1000), latencies };
}

export async function until(done: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
