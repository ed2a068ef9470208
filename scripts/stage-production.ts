/**
 * `npm run stage [-- <folder>]`: the build as it is deployed, in `.deploy/` unless told otherwise:
 * dist/ with package.json, the lock file and .npmrc, and production dependencies only
 * (`npm ci --omit=dev`). m365agents.yml zip-deploys that folder; `npm run check:production`
 * starts it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = join(__dirname, '..');
const SHIPPED = ['package.json', 'package-lock.json', '.npmrc', 'dist'];

/**
 * How to run npm from here on any OS: its JavaScript entry through this Node, as npm itself names
 * it to the scripts it runs (npm_execpath). Not `npm` by name: on Windows that is npm.cmd, which
 * execFile cannot start without a shell.
 */
export function npmCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): [string, string[]] {
  const npmCli = env.npm_execpath;
  if (npmCli === undefined || npmCli === '') {
    throw new Error('Run this through npm (npm run stage), which tells it where npm is (npm_execpath)');
  }
  return [process.execPath, [npmCli, ...args]];
}

function npm(args: readonly string[], cwd: string): void {
  const [file, fileArgs] = npmCommand(args);
  execFileSync(file, fileArgs, { cwd, stdio: 'inherit' });
}

export function stageProduction(folder: string): void {
  npm(['run', 'build'], ROOT);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const file of SHIPPED) cpSync(join(ROOT, file), join(folder, file), { recursive: true });
  npm(['ci', '--omit=dev', '--no-audit', '--no-fund'], folder);
}

if (require.main === module) {
  const folder = resolve(ROOT, process.argv[2] ?? '.deploy');
  try {
    stageProduction(folder);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  process.stdout.write(`Staged the production build in ${folder}\n`);
}
