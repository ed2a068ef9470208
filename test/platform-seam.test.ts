import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// botbuilder and @microsoft/teams-ai v1 are past Microsoft's support: they stay behind the
// Teams folder, so a move to the Teams SDK is that folder's change. The commands still take
// a TurnContext (next on the list); nothing else may import either package.
const SRC = join(__dirname, '..', 'src');
const ALLOWED = ['teams/', 'commands/'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the Bot Framework seam', () => {
  it('keeps botbuilder and teams-ai out of every folder but the Teams one (and the commands, for now)', () => {
    const importers = sources(SRC)
      .filter((file) => /from '(botbuilder|@microsoft\/teams-ai)[^']*'/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file).replace(/\\/g, '/'));
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !ALLOWED.some((dir) => file.startsWith(dir)))).toEqual([]);
  });
});
