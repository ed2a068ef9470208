import type { Browser, Page } from 'playwright-core';
import { startPlaygroundProcess } from '../../emulators/agents-playground';
import { launchChromium, loopbackPage } from '../../emulators/chromium';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { waitFor } from '../support/pipeline';
import { startTestApp, type TestApp } from '../support/test-app';

/** Types into the Playground's compose box and sends, as a person does. */
async function type(page: Page, text: string): Promise<void> {
  const box = page.locator('[role="textbox"][contenteditable="true"]').first();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

describe('validate typed in the Agents Playground page (headless Chromium)', () => {
  let dv: DataverseEmulator;
  let t: TestApp;
  let playground: { origin: string; stop(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    dv = await startDataverse();
    t = await startTestApp({ ...dynamicsEnv(dv.url), ADMINS: 'alexw@example.com', LEAD_CONTACTS: 'alexw@example.com' });
    playground = await startPlaygroundProcess(`${t.url}/api/messages`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    await playground.stop();
    await t.stop();
    await dv.stop();
  });

  it('renders the report card, every step passed', async () => {
    const page = await loopbackPage(browser);
    await page.goto(playground.origin);
    // Opening the chat installs the app, as Teams does.
    await waitFor(() => t.app.installations.list(), (all) => all.length > 0, 30_000);
    await page.getByText("Hi! I'm the Marketplace Lead Bot", { exact: false }).first().waitFor({ timeout: 30_000 });

    await type(page, 'validate');
    await page.getByText('All checks passed', { exact: false }).first().waitFor({ timeout: 30_000 });
    for (const step of ['Sign-in to Dynamics', 'Dynamics reachable', 'Test lead written to Dynamics', 'Lead card delivered to you', 'Test mail sent to you', 'App installs for contacts', 'Contact list reachable', 'Routes reachable']) {
      await expect(page.getByText(step, { exact: true }).first().isVisible()).resolves.toBe(true);
    }
    await expect(page.getByText('Open the test lead in Dynamics').first().isVisible()).resolves.toBe(true);
    await page.close();
  });
});
