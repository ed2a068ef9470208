import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { SETTING_NAMES } from '../src/config/settings';
import { DYNAMICS_ERROR_KINDS } from '../src/dynamics/dynamics-error';

// The documentation follows the code: the settings table, the error codes, the links between the
// pages, and the domain facts the code's comments cite.
const ROOT = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The pages a reader moves between: the README, every page in docs/, the test inventory, the folders' notes. */
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  'test/README.md',
  'emulators/README.md',
  'emulators/agents-playground.md',
  'appPackage/README.md',
  'infra/README.md',
];

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`${heading}\n`);
  if (start === -1) throw new Error(`No "${heading}" heading`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** Fenced code blocks (indented ones in lists too) hold no headings or links. */
function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^ *```[\s\S]*?^ *```/gm, '');
}

/** The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text = ''] of withoutCodeBlocks(markdown).matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${String(count)}`);
  }
  return anchors;
}

/** Every relative link or image target on a page, with the line it is on. */
function relativeLinks(markdown: string): { target: string; line: string }[] {
  const text = withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
  return text.split('\n').flatMap((line) =>
    [...line.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)]
      .map((m) => m[1] ?? '')
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ target, line: line.trim() })),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'node_modules' ? [] : sourceFiles(join(dir, e.name))) : /\.(ts|js|cjs|mjs|md)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('the documentation', () => {
  it('documents exactly the settings the code reads (docs/settings.md)', () => {
    const documented = [...read('docs/settings.md').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...SETTING_NAMES, 'APP_ENV'].sort());
  });

  it('lists every Dynamics error that leaves leads waiting for an admin (docs/dynamics.md)', () => {
    const table = section(read('docs/dynamics.md'), '## When writing fails');
    const waiting = Object.entries(DYNAMICS_ERROR_KINDS)
      .filter(([, kind]) => kind === 'configuration')
      .map(([code]) => code);
    expect(waiting.filter((code) => !table.includes(`\`${code}\``))).toEqual([]);
  });

  it('has no dead relative link: every file exists, every #anchor is a heading there', () => {
    const dead: string[] = [];
    let checked = 0;
    for (const page of PAGES) {
      for (const { target, line } of relativeLinks(read(page))) {
        checked++;
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? page : relative(ROOT, join(ROOT, dirname(page), decodeURIComponent(path))).replace(/\\/g, '/');
        if (!existsSync(join(ROOT, file))) dead.push(`${page}: ${target} (no file ${file}) in "${line}"`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(read(file)).has(anchor)) {
          dead.push(`${page}: ${target} (no heading #${anchor} in ${file}) in "${line}"`);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(dead).toEqual([]);
  });

  it('has a section in docs/domain.md for every section the code cites from it', () => {
    const sections = new Set([...read('docs/domain.md').matchAll(/^#{2,6} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1]));
    // This file names the citation form without being a citation.
    const citing = ['src', 'test', 'emulators', 'bench', 'scripts'].flatMap((dir) => sourceFiles(join(ROOT, dir))).filter((file) => file !== __filename);
    const citations = citing.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.includes('domain.md'))
        .map((line) => ({ where: relative(ROOT, file).replace(/\\/g, '/'), line: line.trim() })),
    );
    const cited = citations.flatMap(({ where, line }) => [...line.matchAll(/§(\d+(?:\.\d+)*)/g)].map((m) => ({ where, section: m[1] ?? '', line })));
    expect(cited.length).toBeGreaterThan(5);
    // Each citation names the file by its path in the repository, and a section that exists there.
    expect(citations.filter(({ line }) => /(?<!docs\/)domain\.md/.test(line))).toEqual([]);
    expect(cited.filter(({ section: n }) => !sections.has(n))).toEqual([]);
  });

  it('has every page the messages of the bot send people to', () => {
    // Error messages and fixes name a page by its path, so a reader can open it from the repository.
    const named = sourceFiles(join(ROOT, 'src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bdocs\/[a-z0-9-]+\.md\b/g)].map((m) => ({ where: relative(ROOT, file), page: m[0] })),
    );
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter(({ page }) => !existsSync(join(ROOT, page)))).toEqual([]);
  });
});
