/**
 * `npm run redrive [-- <leadId> …]`: lists dead-lettered leads with why they failed, and puts
 * them (all, or those named) back on the work queue. Reads the same settings as `npm start`
 * (`--env <name>` reads env/.env.<name> first).
 */
import { createApp } from '../src/app';
import { readEnvFiles } from '../src/config/read-env-files';
import { loadSettings } from '../src/config/settings';
import { createLogger } from '../src/logging/create-logger';

async function main(args: string[]): Promise<void> {
  const envFlag = args.indexOf('--env');
  const envName = envFlag === -1 ? undefined : args.splice(envFlag, 2)[1];
  const settings = loadSettings(envName === undefined ? process.env : readEnvFiles(envName, process.env));
  const app = createApp(settings, { logger: createLogger('warn'), backgroundWork: false });
  await app.storage.ensureCreated();
  const letters = await app.deadLetters.list();
  if (letters.length === 0) {
    process.stdout.write('No dead-lettered leads.\n');
    return;
  }
  for (const l of letters) process.stdout.write(`${l.leadId}  ${l.at}  ${l.code}\n    ${l.reason}\n    Fix: ${l.fix}\n`);
  const unknown = args.filter((id) => !letters.some((l) => l.leadId === id));
  if (unknown.length > 0) throw new Error(`Not dead-lettered: ${unknown.join(', ')}`);
  const redriven = await app.deadLetters.redrive(args.length === 0 ? undefined : args);
  process.stdout.write(`Queued again: ${redriven.length} lead(s). A running bot writes them now.\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
