import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

// The folder graph lives in .dependency-cruiser.cjs and runs in `npm test` (check:imports) over
// the real tree. These tests show that its rules bite: each builds a small tree breaking one
// rule and expects dependency-cruiser, with the project's own config, to name the break.
const ROOT = join(__dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const CLI = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

async function violations(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'import-rules-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node' } }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const folders = [...new Set(Object.keys(files).map((path) => path.split('/')[0] ?? ''))];
    const run = await promisify(execFile)(process.execPath, [CLI, ...folders, '--config', CONFIG, '--output-type', 'json'], { cwd: dir }).catch(
      // It exits non-zero when it finds violations; the report is on stdout all the same.
      (error: unknown) => ({ stdout: (error as { stdout: string }).stdout }),
    );
    const report = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the folder graph', () => {
  it('refuses a lower folder importing a higher one, so no two folders import each other', async () => {
    expect(
      await violations({
        'src/pipeline/worker.ts': "import { bot } from '../teams/bot';\nexport const worker = bot;\n",
        'src/teams/bot.ts': "import { card } from '../cards/card';\nexport const bot = card;\n",
        'src/cards/card.ts': 'export const card = 1;\n',
      }),
    ).toEqual(['layer-pipeline: src/pipeline/worker.ts → src/teams/bot.ts']);
  });

  it('keeps botbuilder and teams-ai inside src/teams/', async () => {
    const found = await violations({
      'src/commands/help.ts': "import { CardFactory } from 'botbuilder';\nexport const help = CardFactory;\n",
      'src/teams/bot.ts': "import { Application } from '@microsoft/teams-ai';\nexport const bot = Application;\n",
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^bot-framework-seam: src\/commands\/help\.ts → node_modules\/botbuilder\//);
  });

  it('refuses a folder that has no place in the layers', async () => {
    expect(
      await violations({
        'src/pipeline/worker.ts': "import { x } from '../extras/x';\nexport const worker = x;\n",
        'src/extras/x.ts': 'export const x = 1;\n',
      }),
    ).toEqual(['unlisted-folder: src/pipeline/worker.ts → src/extras/x.ts']);
  });

  it("keeps the stand-ins apart from the bot's code, and the bot apart from its tests", async () => {
    const found = await violations({
      'emulators/graph.ts': "import { lead } from '../src/leads/lead';\nexport const graph = lead;\n",
      'src/leads/lead.ts': "import { fixture } from '../../test/support/fixture';\nexport const lead = fixture;\n",
      'test/support/fixture.ts': 'export const fixture = 1;\n',
    });
    expect(found.sort()).toEqual(['product-stands-alone: src/leads/lead.ts → test/support/fixture.ts', 'stand-ins-from-the-docs: emulators/graph.ts → src/leads/lead.ts']);
  });

  it("sees the real tree's imports of packages, type-only ones too (an excluded node_modules once hid them from every rule)", async () => {
    const run = await promisify(execFile)(process.execPath, [CLI, 'src/teams/bot.ts', 'src/conversations/installation-store.ts', '--config', CONFIG, '--output-type', 'json'], { cwd: ROOT });
    const report = JSON.parse(run.stdout) as { modules: { source: string; dependencies: { resolved: string }[] }[] };
    const of = (file: string): string[] => report.modules.find((m) => m.source === file)?.dependencies.map((d) => d.resolved) ?? [];
    expect(of('src/teams/bot.ts')).toEqual(expect.arrayContaining([expect.stringMatching(/^node_modules\/@microsoft\/teams-ai\//), expect.stringMatching(/^node_modules\/botbuilder\//)]));
    // `import type { TableClient } from '@azure/data-tables'` is there as well.
    expect(of('src/conversations/installation-store.ts')).toEqual(expect.arrayContaining([expect.stringMatching(/^node_modules\/@azure\/data-tables\//)]));
  });

  it('refuses an import loop inside a folder', async () => {
    const found = await violations({
      'src/storage/a.ts': "import { b } from './b';\nexport const a = (): number => b();\n",
      'src/storage/b.ts': "import { a } from './a';\nexport const b = (): number => a();\n",
    });
    expect(found.filter((v) => v.startsWith('no-circular:')).length).toBeGreaterThan(0);
  });
});

describe('the production dependencies', () => {
  it('are each imported by the bot: the deployment installs nothing it does not run', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const code = sources(join(ROOT, 'src'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const unused = Object.keys(dependencies).filter((name) => !code.includes(`from '${name}'`) && !code.includes(`from '${name}/`));
    expect(Object.keys(dependencies).length).toBeGreaterThan(10);
    expect(unused).toEqual([]);
  });
});
