import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_NAMES } from '../src/config/settings';
import { DYNAMICS_ERROR_KINDS } from '../src/dynamics/dynamics-error';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

function section(heading: string): string {
  const start = readme.indexOf(heading);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('the README', () => {
  it('documents exactly the settings the code reads', () => {
    const documented = [...section('## Settings').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...SETTING_NAMES, 'APP_ENV'].sort());
  });

  it('lists every Dynamics error that leaves leads waiting for an admin', () => {
    const table = section('## Connect Dynamics 365');
    const waiting = Object.entries(DYNAMICS_ERROR_KINDS).filter(([, kind]) => kind === 'configuration').map(([code]) => code);
    expect(waiting.filter((code) => !table.includes(`\`${code}\``))).toEqual([]);
  });
});
