import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'fixtures', 'marketplace');

/** The marketplace's own payload formats, copied from shared/fixtures/marketplace. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

export function httpsFixtureNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.startsWith('https-'))
    .map((f) => f.replace(/\.json$/, ''));
}
