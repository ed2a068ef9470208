/**
 * `npm run send-lead [-- file.json]`: posts a marketplace lead to the local bot, the way
 * Partner Center's HTTPS endpoint would, and prints the answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_INTAKE_KEY } from './local-defaults';

async function main(file: string | undefined): Promise<void> {
  const path = file ?? join(__dirname, '..', 'test', 'fixtures', 'marketplace', 'https-appsource-contact-me.json');
  const base = process.env.LEAD_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3978'}/api/leads`;
  const key = process.env.LEAD_INTAKE_KEY ?? LOCAL_INTAKE_KEY;
  const response = await fetch(`${base}?code=${encodeURIComponent(key)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readFileSync(path),
  });
  process.stdout.write(`${response.status} ${response.statusText}\n${await response.text()}\n`);
  if (!response.ok) process.exitCode = 1;
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`Could not send the lead: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
