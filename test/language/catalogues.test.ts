import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { LANGUAGES } from '../../src/language/language';
import { catalogues } from '../../src/language/messages';

const SRC = join(__dirname, '..', '..', 'src');

/** Every file under a folder, with its text. */
function files(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : [{ path, text: readFileSync(path, 'utf8') }];
  });
}

/**
 * The values a message takes (inside plurals and selects too): what its caller passes. Whether a
 * language counts it with a plural is its own affair (Korean has none).
 */
function placeholders(elements: readonly MessageFormatElement[]): string[] {
  return elements.flatMap((element) => {
    if (element.type === TYPE.literal || element.type === TYPE.pound) return [];
    if (element.type === TYPE.plural || element.type === TYPE.select) return [element.value, ...Object.values(element.options).flatMap((option) => placeholders(option.value))];
    if (element.type === TYPE.tag) return placeholders(element.children);
    return [element.value];
  });
}

const KEBAB = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('the message catalogues', () => {
  const all = catalogues();
  const english = Object.keys(all.en);
  const sources = files(SRC);
  const code = sources.filter((f) => f.path.endsWith('.ts')).map((f) => f.text).join('\n');

  it.each(LANGUAGES)('%s has every key the others have, and no other', (language) => {
    const keys = Object.keys(all[language]);
    for (const other of LANGUAGES) expect({ language, missing: Object.keys(all[other]).filter((k) => !keys.includes(k)) }).toEqual({ language, missing: [] });
  });

  it('gives each message the same placeholders in every language', () => {
    const differ = english.filter((key) => {
      const shapes = LANGUAGES.map((language) => [...new Set(placeholders(parse(all[language][key] ?? '', { ignoreTag: true })))].sort().join(','));
      return new Set(shapes).size > 1;
    });
    expect(differ).toEqual([]);
  });

  it('uses every key: named in the code (whole, or as a family `dynamicsError.${code}.fix` the compiler checks), or read by the card template its prefix names', () => {
    const families = [...code.matchAll(/`([\w.]+\.)\$\{[^}]+\}([\w.]*)`/g)].map(([, prefix = '', suffix = '']) => ({ prefix, suffix }));
    const unused = english.filter((key) => {
      if (code.includes(`'${key}'`)) return false;
      if (families.some(({ prefix, suffix }) => key.startsWith(prefix) && key.endsWith(suffix) && !key.slice(prefix.length, key.length - suffix.length).includes('.'))) return false;
      const [prefix = '', ...rest] = key.split('.');
      const template = sources.find((f) => f.path === join(SRC, 'cards', `${KEBAB(prefix)}.json`));
      return template === undefined || !template.text.includes(`text.${rest.join('.')}}`);
    });
    expect(unused).toEqual([]);
  });

  it('has a message for every text.… a card template reads', () => {
    for (const template of sources.filter((f) => f.path.startsWith(join(SRC, 'cards')) && f.path.endsWith('.json'))) {
      const prefix = (template.path.split('/').at(-1) ?? '').replace('.json', '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      const read = [...template.text.matchAll(/\btext\.(\w+)\}/g)].map((m) => `${prefix}.${m[1] ?? ''}`);
      expect(read.filter((key) => !english.includes(key))).toEqual([]);
    }
  });
});
