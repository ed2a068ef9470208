import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'fixtures', 'marketplace');

/** The marketplace's own payload formats, copied from shared/fixtures/marketplace. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** A fixture sent by another customer (`email`): a lead of its own, not a repeat. */
export function fixtureFrom(name: string, email: string): Record<string, unknown> {
  const base = fixture(name);
  return { ...base, UserDetails: { ...(base.UserDetails as Record<string, unknown>), Email: email } };
}

export function httpsFixtureNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.startsWith('https-'))
    .map((f) => f.replace(/\.json$/, ''));
}
