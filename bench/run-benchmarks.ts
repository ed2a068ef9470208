/**
 * `npm run bench [-- part…]`: each part measures its figures next to a baseline taken in the same
 * run, prints them with their targets (pass / SHORT), and the whole run is written as JSON to
 * reports/bench/ for comparison across commits. With no part named, all run (under ten minutes on
 * a 2-core machine). Exits 1 when a target is missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Azurite } from '../emulators/azurite';
import { startLocalStack, type LocalStack } from '../emulators/local-stack';
import { describeTarget, judge, type Figure, type Judged } from './figures';
import { budgetFigures } from './budget-benchmark';
import { footprintFigures } from './footprint-benchmark';
import { intakeFigures } from './intake-benchmark';
import { drainFigures } from './drain-benchmark';
import { dynamicsWriteFigures } from './pipeline-benchmark';
import { reminderFigures } from './reminders-benchmark';
import { leadToCardFigures, validateFigures } from './teams-benchmark';

interface Part {
  readonly about: string;
  run(stack: LocalStack): Promise<Figure[]>;
}

const PARTS: Readonly<Record<string, Part>> = {
  intake: { about: 'leads accepted durably over HTTP, against the raw rate of the same two writes', run: intakeFigures },
  'teams-budget': { about: "one lead to 1,000 contacts within Teams' 50/s, one and two instances, and a send-to-each loop", run: (stack) => budgetFigures(stack.azurite as Azurite) },
  'lead-to-card': { about: 'from the 2xx to the card, one lead a second, instant and realistic stand-ins', run: (stack) => leadToCardFigures(stack.azurite as Azurite) },
  dynamics: { about: 'queued leads written into the Dataverse emulator, free and throttled', run: (stack) => dynamicsWriteFigures(stack.azurite as Azurite) },
  drain: { about: "a Dynamics backlog drained at Dataverse's service protection limits, new cards meanwhile", run: (stack) => drainFigures(stack.azurite as Azurite) },
  validate: { about: '`validate` end to end', run: (stack) => validateFigures(stack.azurite as Azurite) },
  footprint: { about: 'idle memory and time to ready of the production build, against the fixed libraries alone', run: footprintFigures },
  reminders: { about: 'the reminder check and the alarm', run: (stack) => reminderFigures(stack.azurite as Azurite) },
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in PARTS));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown part(s): ${unknown.join(', ')}. Parts:\n${Object.entries(PARTS).map(([name, p]) => `  ${name.padEnd(14)} ${p.about}`).join('\n')}\n`);
    process.exit(2);
  }
  const names = asked.length > 0 ? asked : Object.keys(PARTS);
  const machine = `${String(cpus().length)} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
  process.stdout.write(`npm run bench: ${names.join(', ')}\n${machine}\n`);

  const started = performance.now();
  const results: Judged[] = [];
  // A fresh Azurite for each part: one grown by the part before would slow the next.
  for (const name of names) {
    const part = PARTS[name] as Part;
    const stack = await startLocalStack();
    try {
      const began = performance.now();
      const figures = (await part.run(stack)).map((f) => judge(name, f));
      results.push(...figures);
      process.stdout.write(`\n${name} (${part.about}; ${((performance.now() - began) / 1000).toFixed(0)} s)\n`);
      for (const figure of figures) process.stdout.write(formatFigure(figure));
    } finally {
      await stack.stop();
    }
  }

  const missed = results.filter((r) => r.pass === false);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${String(results.filter((r) => r.pass === true).length)} target(s) met, ${String(missed.length)} short, in ${seconds.toFixed(0)} s\n`);
  const file = writeReport(results, machine, seconds);
  process.stdout.write(`Written to ${file}\n`);
  if (missed.length > 0) process.exitCode = 1;
}

function formatFigure(f: Judged): string {
  const value = `${format(f.value)} ${f.unit}`.trim();
  const baseline = f.baseline === undefined ? '' : `  vs ${format(f.baseline.value)} ${f.unit} (${f.baseline.name}): ${(f.ratio ?? NaN).toFixed(2)}x`;
  const verdict = f.target === undefined ? '' : `  target ${describeTarget(f.target, f.unit)}: ${f.pass === true ? 'pass' : 'SHORT'}`;
  const note = f.note === undefined ? '' : `\n      ${f.note}`;
  return `  ${f.name}\n      ${value}${baseline}${verdict}${note}\n`;
}

function format(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function writeReport(results: readonly Judged[], machine: string, seconds: number): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the file is still written
  }
  const dir = join(__dirname, '..', 'reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${commit}.json`);
  writeFileSync(file, `${JSON.stringify({ commit, at: new Date().toISOString(), machine, seconds: Math.round(seconds), figures: results }, null, 2)}\n`);
  return file;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
