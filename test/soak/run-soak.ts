/**
 * `npm run soak [-- --seconds 180 --rate 0.5 --contacts 6 --seed 1]`: the soak (test/soak/soak.ts)
 * on this machine, loopback only; prints its figures and exits 1 when a promise was broken.
 */
import { parseArgs } from 'node:util';
import { formatReport, runSoak } from './soak';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '180' },
      rate: { type: 'string', default: '0.5' },
      contacts: { type: 'string', default: '6' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
    },
  });
  const number = (name: string, text: string, max: number, whole = true): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n <= 0 || n > max) throw new Error(`--${name} must be a ${whole ? 'whole ' : ''}number above 0 and at most ${String(max)}, not "${text}"`);
    return n;
  };
  const report = await runSoak({
    seconds: number('seconds', values.seconds, 3_600),
    leadsPerSecond: number('rate', values.rate, 20, false),
    contacts: number('contacts', values.contacts, 50),
    seed: number('seed', values.seed, 2 ** 31),
    say: (line) => {
      process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
    },
  });
  process.stdout.write(`${formatReport(report)}\n`);
  process.exit(report.failures.length === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
