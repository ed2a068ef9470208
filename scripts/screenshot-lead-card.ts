/**
 * `npm run screenshot`: the lead card as the Agents Playground shows it, for the README.
 * Everything local: Azurite, identity provider, Dataverse emulator, the bot, the Playground,
 * and Debian's Chromium (headless, every request off this machine refused).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../src/app';
import { loadSettings } from '../src/config/settings';
import { createLogger } from '../src/logging/create-logger';
import { startPlaygroundProcess } from '../test/support/agents-playground';
import { startAzurite } from '../test/support/azurite';
import { startDataverseEmulator } from '../test/support/dataverse-emulator';
import { startIdentityProvider } from '../test/support/identity-provider';
import { defaultDirectory, dynamicsEnv, TENANT_ID } from '../test/support/local-services';
import { ensureTlsCertificate } from '../test/support/tls';
import { LOCAL_INTAKE_KEY, PLAYGROUND_USER } from './local-defaults';

const OUT = join(__dirname, '..', 'docs', 'lead-card-playground.png');

async function main(): Promise<void> {
  const tls = await ensureTlsCertificate(mkdtempSync(join(tmpdir(), 'shot-tls-')));
  const azurite = await startAzurite();
  const idp = await startIdentityProvider(tls, defaultDirectory());
  const dataverse = await startDataverseEmulator({ tls, identityProviderOrigin: idp.origin, tenantId: TENANT_ID });
  const settings = loadSettings({
    STORAGE_CONNECTION_STRING: azurite.connectionString,
    LEAD_INTAKE_KEY: LOCAL_INTAKE_KEY,
    LEAD_CONTACTS: PLAYGROUND_USER,
    ...dynamicsEnv(dataverse.url, 'aad', idp.origin),
  });
  const app = createApp(settings, { logger: createLogger('warn'), trustedCertificates: tls.cert });
  const { url } = await app.start(0, '127.0.0.1');
  const botUrl = url.replace('[::]', '127.0.0.1');
  const playground = await startPlaygroundProcess(`${botUrl}/api/messages`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    // Fonts and icons come from a CDN: refused, the page falls back to local fonts.
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    await page.goto(playground.origin);
    for (let i = 0; i < 100 && (await app.installations.list()).length === 0; i++) await page.waitForTimeout(100);
    const lead = JSON.stringify({
      UserDetails: { FirstName: 'Dana', LastName: 'Whitfield', Email: 'dana.whitfield@fabrikam.example', Phone: '+44 20 7946 0958', Country: 'GB', Company: 'Fabrikam Ltd', Title: 'Head of Sales Operations' },
      LeadSource: 'AppSource-PLT|contoso.contoso-sales-insights',
      ActionCode: 'PLT',
      OfferTitle: 'Contoso Sales Insights',
      Description: 'We have 40 sellers on Dynamics 365 Sales and want a demo next week. Best time: mornings UK time.',
    });
    await fetch(`${botUrl}/api/leads?code=${LOCAL_INTAKE_KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: lead });
    await page.getByText('Dana Whitfield').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: OUT });
    process.stdout.write(`Saved ${OUT}\n`);
  } finally {
    await browser.close();
    await playground.stop();
    await app.stop();
    await dataverse.stop();
    await idp.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
