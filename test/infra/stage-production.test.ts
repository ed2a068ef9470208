import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { npmCommand } from '../../scripts/stage-production';

// `atk deploy` runs `npm run stage` on the developer's machine: Windows, macOS or Linux. On Windows
// `npm` is npm.cmd, which execFile cannot start, so staging runs npm's JavaScript through Node.
describe('npm run stage', () => {
  const npmCli = process.env.npm_execpath ?? realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim());

  it('runs npm through this Node, from where npm says it is', () => {
    expect(npmCommand(['ci', '--omit=dev'], { npm_execpath: '/opt/npm/bin/npm-cli.js' })).toEqual([process.execPath, ['/opt/npm/bin/npm-cli.js', 'ci', '--omit=dev']]);
  });

  it('finds no npm on the PATH and needs none', () => {
    const [file, args] = npmCommand(['--version'], { npm_execpath: npmCli });
    // With an empty PATH, `npm` by name (or npm.cmd) could not be found; Node and npm-cli.js can.
    const version = execFileSync(file, args, { encoding: 'utf8', env: { PATH: '', HOME: process.env.HOME } }).trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('says how to run it when npm did not start it', () => {
    expect(() => npmCommand(['ci'], {})).toThrow('Run this through npm (npm run stage)');
  });
});
