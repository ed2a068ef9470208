import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../emulators/free-port';
import type { LocalStack } from '../emulators/local-stack';
import { percentile, type Figure } from './figures';
import { startNode, type Running } from './process';

const ROOT = join(__dirname, '..');
/** Where the bench builds the bot as deployed (git ignores it). */
const OUT = join(ROOT, '.bench');
/** Idle this long before the resident set is read: start-up's garbage has had its collections. */
const IDLE_MS = 5_000;

/** The floor: a process that loads the libraries the design fixes, and nothing of ours. */
const FLOOR = `require('@microsoft/teams-ai');
require('botbuilder');
require('restify');
process.stdout.write(JSON.stringify({ ready: true }) + '\\n');
setInterval(() => undefined, 1 << 30);
`;

async function idleRss(process: Running): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(process.rss());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return percentile(samples, 0.5);
}

/**
 * The bot as deployed (the production build, `node dist/main.js`, on the local stack's storage),
 * idle and ready, next to the floor the fixed libraries set, both started in this run.
 */
export async function footprintFigures(stack: LocalStack): Promise<Figure[]> {
  mkdirSync(OUT, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(OUT, 'dist')], { stdio: 'inherit' });
  writeFileSync(join(OUT, 'floor.js'), FLOOR);

  const floor = await startNode([join(OUT, 'floor.js')], {});
  const floorRss = await idleRss(floor);
  await floor.stop();

  const port = await freePort();
  const env = { ...stack.settings, STORAGE_NAME_PREFIX: `bench${randomBytes(3).toString('hex')}`, LEAD_INTAKE_KEY: randomBytes(18).toString('base64url'), PORT: String(port), LOG_LEVEL: 'warn' };
  const bot = await startNode([join(OUT, 'dist', 'main.js')], env, `http://127.0.0.1:${String(port)}/readyz`);
  const botRss = await idleRss(bot);
  await bot.stop();

  return [
    { name: 'Idle resident set of the bot above the floor of teams-ai, botbuilder and restify alone', value: botRss - floorRss, unit: 'MB', baseline: { name: 'the floor', value: floorRss }, target: { kind: 'at-most', limit: 50 }, note: `the bot ${botRss.toFixed(0)} MB, the floor ${floorRss.toFixed(0)} MB` },
    { name: 'Production build from start until /readyz answers 200', value: bot.readyMs, unit: 'ms', baseline: { name: 'the floor loading its libraries', value: floor.readyMs }, target: { kind: 'at-most', limit: 3000 } },
  ];
}
