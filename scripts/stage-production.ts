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

export function stageProduction(folder: string): void {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const file of SHIPPED) cpSync(join(ROOT, file), join(folder, file), { recursive: true });
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: folder, stdio: 'inherit' });
}

if (require.main === module) {
  const folder = resolve(ROOT, process.argv[2] ?? '.deploy');
  stageProduction(folder);
  process.stdout.write(`Staged the production build in ${folder}\n`);
}
