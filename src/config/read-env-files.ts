import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';

/**
 * Merges settings the way the Microsoft 365 Agents Toolkit lays them out:
 * `env/.env.<name>` (committed), then `env/.env.<name>.user` (git-ignored, holds secrets),
 * then the process environment, which always wins so a deployment can override anything.
 */
export function readEnvFiles(
  envName: string,
  processEnv: Readonly<Record<string, string | undefined>>,
  dir = 'env',
): Record<string, string | undefined> {
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(envName)) {
    throw new Error(`Environment name "${envName}" must be letters, digits and "-" (it picks env/.env.<name>)`);
  }
  const shared = join(dir, `.env.${envName}`);
  if (!existsSync(shared)) {
    throw new Error(`No settings file ${shared}; create it, or run without --env to use the process environment only`);
  }
  const merged: Record<string, string | undefined> = {};
  for (const file of [shared, `${shared}.user`]) {
    if (existsSync(file)) Object.assign(merged, parse(readFileSync(file)));
  }
  return { ...merged, ...processEnv };
}
