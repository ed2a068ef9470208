/**
 * `npm run screenshot`: the lead card (before and after Claim), the daily digest, the validate report, a rotation reminder and what admins
 * see when Partner Center's Validate sends its test lead, as the Agents Playground shows them;
 * and the lead mail of a contact Teams cannot reach with its Claim page; for the README.
 * Everything local: Azurite, identity provider, Dataverse emulator, the bot, the Playground,
 * and Debian's Chromium (headless, every request off this machine refused).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { createApp, type App } from '../src/app';
import { parseHttpsLead } from '../src/leads/parse-https-lead';
import { loadSettings } from '../src/config/settings';
import { createLogger } from '../src/logging/create-logger';
import { startPlaygroundProcess } from '../emulators/agents-playground';
import { launchChromium, loopbackPage } from '../emulators/chromium';
import { APP, TENANT_ID } from '../emulators/directory';
import { freePort } from '../emulators/free-port';
import type { GraphEmulator } from '../emulators/graph';
import { startLocalStack } from '../emulators/local-stack';
import { startMailboxPage } from '../emulators/mailbox-page';
import { fixture } from '../test/support/fixtures';
import { LOCAL_CONTACT_WITHOUT_TEAMS, LOCAL_INTAKE_KEY, PLAYGROUND_DYNAMICS_USER, PLAYGROUND_USER } from './local-defaults';

const DOCS = join(__dirname, '..', 'docs');

/** The local stack, the bot on it (with `env` over the local defaults), the Playground, and a page on it once the chat is open. */
async function startScene(browser: Browser, env: Record<string, string> = {}) {
  const stack = await startLocalStack({ dynamics: true, graph: true });
  const port = await freePort();
  const settings = loadSettings({
    ...stack.settings,
    LEAD_INTAKE_KEY: LOCAL_INTAKE_KEY,
    LEAD_CONTACTS: `${PLAYGROUND_USER};${LOCAL_CONTACT_WITHOUT_TEAMS}`,
    ADMINS: PLAYGROUND_USER,
    TEAMS_TENANT_ID: TENANT_ID,
    PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
    ...env,
  });
  const app = createApp(settings, { logger: createLogger('warn'), trustedCertificates: stack.tls.cert });
  const { url } = await app.start(port, '127.0.0.1');
  const botUrl = url.replace('[::]', '127.0.0.1');
  const playground = await startPlaygroundProcess(`${botUrl}/api/messages`);
  // Fonts and icons come from a CDN: refused, the page falls back to local fonts.
  const page = await loopbackPage(browser, { width: 1280, height: 1100 });
  await page.goto(playground.origin);
  for (let i = 0; i < 100 && (await app.installations.list()).length === 0; i++) await page.waitForTimeout(100);
  const stop = async (): Promise<void> => {
    await playground.stop();
    await app.stop();
    await stack.stop();
  };
  return { stack, app, botUrl, page, stop };
}

/** Partner Center's "Contact me" lead from a customer in the UK. */
const LEAD = JSON.stringify({
  UserDetails: { FirstName: 'Dana', LastName: 'Whitfield', Email: 'dana.whitfield@fabrikam.example', Phone: '+44 20 7946 0958', Country: 'GB', Company: 'Fabrikam Ltd', Title: 'Head of Sales Operations' },
  LeadSource: 'AppSource-PLT|contoso.contoso-sales-insights',
  ActionCode: 'PLT',
  OfferTitle: 'Contoso Sales Insights',
  Description: 'We have 40 sellers on Dynamics 365 Sales and want a demo next week. Best time: mornings UK time.',
});

/** Types a command in the Playground's chat. */
async function type(page: Page, text: string): Promise<void> {
  const box = page.locator('[role="textbox"][contenteditable="true"]').first();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    await english(browser);
    await korean(browser);
  } finally {
    await browser.close();
  }
}

/**
 * The Korean lead card and validate report: BOT_LANGUAGE=ko, as the Playground always sends
 * en-US (a ko-KR user reads the same). Hangul needs a CJK font (Debian: fonts-noto-cjk).
 */
async function korean(browser: Browser): Promise<void> {
  const { botUrl, page, stop } = await startScene(browser, { BOT_LANGUAGE: 'ko', BOT_TIME_ZONE: 'Asia/Seoul' });
  try {
    await fetch(`${botUrl}/api/leads?code=${LOCAL_INTAKE_KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: LEAD });
    await page.getByText('Dana Whitfield').first().waitFor({ timeout: 30_000 });
    await page.getByText('Dynamics에 등록됨').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await save(page, 'lead-card-playground-ko.png');
    await type(page, '검증');
    await shoot(page, page.getByText('모든 단계를 통과했어요', { exact: false }).first(), page.getByText('검증: 리드 처리 과정').first(), 'validate-playground-ko.png');
  } finally {
    await stop();
  }
}

async function english(browser: Browser): Promise<void> {
  // The digest's hour already past today: `subscribe digest` below gets today's at once.
  const { stack, app, botUrl, page, stop } = await startScene(browser, { DIGEST_HOUR: '0' });
  // Graph lists the app's secret ending in 7 days, but refuses to say so until the permission is granted (below).
  const graph = stack.graph as GraphEmulator;
  const secretEnds = new Date(new Date().setUTCHours(0, 0, 0, 0) + 7 * 86_400_000).toISOString();
  graph.setApplication(APP.clientId, [{ keyId: '6c1b9e0a-0000-4000-8000-000000000001', displayName: 'leads', hint: APP.secret.slice(0, 3), startDateTime: new Date().toISOString(), endDateTime: secretEnds }]);
  const mailbox = await startMailboxPage(graph.mails);
  stack.dataverse?.addUser(PLAYGROUND_DYNAMICS_USER);
  try {
    await fetch(`${botUrl}/api/leads?code=${LOCAL_INTAKE_KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: LEAD });
    await page.getByText('Dana Whitfield').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await save(page, 'lead-card-playground.png');


    await type(page, 'validate');
    // The report, not the test lead's card that follows it.
    await shoot(page, page.getByText('All checks passed', { exact: false }).first(), page.getByText('Validate: the path a lead takes').first(), 'validate-playground.png');

    graph.grant(APP.clientId, ['Application.Read.All', 'Mail.Send']);
    await app.reminders.tick();
    await shoot(page, page.getByText('Dynamics client secret expires in 7 days').first(), page.getByText('Credential rotation').last(), 'reminder-playground.png');

    await fetch(`${botUrl}/api/leads?code=${LOCAL_INTAKE_KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture('https-partner-center-test-lead')) });
    const notice = page.getByText("Partner Center's test lead arrived");
    await shoot(page, notice.first(), notice.last(), 'test-lead-playground.png');

    // The contact with no Teams: the lead mail as a mail client shows it, and its Claim page on a phone.
    const phone = await loopbackPage(browser, { width: 430, height: 900 });
    const mailPage = await loopbackPage(browser, { width: 760, height: 1150 });
    await mailPage.goto(`${mailbox.origin}/mail/0`);
    await mailPage.frameLocator('iframe').getByText('Dana Whitfield').first().waitFor();
    await save(mailPage, 'lead-mail.png');
    const claim = await mailPage.frameLocator('iframe').getByRole('link', { name: 'Claim this lead' }).getAttribute('href');
    await phone.goto(claim ?? '');
    await phone.getByRole('button', { name: 'Claim this lead' }).waitFor();
    await save(phone, 'claim-page.png');

    // A seller's day: Claim, then Mark contacted after the call; the card says who has the lead,
    // that they own it in Dynamics too, and when they called.
    await page.getByRole('button', { name: 'Claim', exact: true }).first().click();
    await page.getByText('Owner in Dynamics: Alex Wilber').first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Mark contacted', exact: true }).first().click();
    await shoot(page, page.getByText('Contacted by Alex Wilber', { exact: false }).first(), page.getByText('Contact me — Contoso Sales Insights').first(), 'lead-card-claimed-playground.png');

    // The daily digest, as a chat an admin subscribed gets it at DIGEST_HOUR, on a day of leads.
    await seedYesterday(app);
    await type(page, 'subscribe digest');
    await page.getByText('the daily digest at', { exact: false }).first().waitFor({ timeout: 30_000 });
    await app.digest.tick();
    await shoot(page, page.getByText('Unclaimed', { exact: true }).last(), page.getByText('Daily lead digest', { exact: true }).last(), 'digest-playground.png');
  } finally {
    await mailbox.stop();
    await stop();
  }
}

/**
 * Yesterday's leads (UTC, DIGEST_HOUR 0 covering it), as sellers handled them: how many came for
 * each offer, who claimed each and how soon, who has called; one nobody has taken yet.
 */
async function seedYesterday(app: App): Promise<void> {
  const midnight = new Date().setUTCHours(0, 0, 0, 0);
  const day: { hours: number; offer: string; source: string; by?: string; claim?: number; touch?: number }[] = [
    { hours: 20, offer: 'Contoso Sales Insights', source: 'AppSource-PLT', by: 'Alex Wilber', claim: 3, touch: 25 },
    { hours: 17, offer: 'Contoso Sales Insights', source: 'AppSource-PLT', by: 'Megan Bowen', claim: 6, touch: 48 },
    { hours: 14, offer: 'Contoso Hardened VM', source: 'AzurePortal-Create', by: 'Alex Wilber', claim: 12, touch: 95 },
    { hours: 9, offer: 'Contoso Sales Insights', source: 'AppSource-StartTestDrive', by: 'Megan Bowen', claim: 2 },
    { hours: 5, offer: 'Contoso Hardened VM', source: 'AzureMarketplace-INS' },
    { hours: 3, offer: 'Contoso Sales Insights', source: 'AppSource-PLT', by: 'Alex Wilber', claim: 4, touch: 31 },
  ];
  for (const [i, l] of day.entries()) {
    const receivedAt = midnight - l.hours * 3_600_000;
    const after = (minutes: number): Date => new Date(receivedAt + minutes * 60_000);
    const id = randomUUID();
    const payload = { UserDetails: { FirstName: 'Customer', LastName: String(i + 1), Email: `customer${String(i + 1)}@fabrikam.example` }, LeadSource: `${l.source}|contoso.offer`, OfferTitle: l.offer };
    await app.storage.leads.create({ ...parseHttpsLead(payload), id, origin: 'https', receivedAt: new Date(receivedAt).toISOString() });
    await app.storage.leads.update(id, { status: 'done', alertedAt: new Date(receivedAt).toISOString() });
    if (l.by !== undefined && l.claim !== undefined) await app.storage.leads.claim(id, { name: l.by }, after(l.claim));
    if (l.by !== undefined && l.touch !== undefined) await app.storage.leads.markContacted(id, { name: l.by }, after(l.touch), false);
  }
}

/** Waits for `shown`, scrolls `top` to the top of the chat, and saves the screenshot. */
async function shoot(page: Page, shown: Locator, top: Locator, name: string): Promise<void> {
  await shown.waitFor({ timeout: 30_000 });
  await page.waitForTimeout(500);
  // (No DOM types here: the element is described by the one method used.)
  await top.evaluate((e: { scrollIntoView(options: { block: string }): void }) => {
    e.scrollIntoView({ block: 'start' });
  });
  await page.waitForTimeout(200);
  await save(page, name);
}

async function save(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DOCS, name) });
  process.stdout.write(`Saved docs/${name}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
