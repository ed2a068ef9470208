import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { fixtureFrom } from '../support/fixtures';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { postLead, startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

const SELLERS = 60;
const PER_SECOND = 10;

const lead = (n: number): Record<string, unknown> => fixtureFrom('https-appsource-contact-me', `buyer${String(n)}@fabrikam.example`);

// Two instances each alert a lead to 60 sellers at the same time, against a Bot Connector that
// answers 429 past TEAMS_MESSAGES_PER_SECOND for the whole app: together they stay within it.
describe('the Teams send budget across instances', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  const running: TestApp[] = [];

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: PER_SECOND });
    dv = await startDataverse();
  });
  afterAll(async () => {
    for (const app of running) await app.stop();
    await connector.stop();
    await dv.stop();
  });

  it('keeps the sum of both instances\' sends within the app\'s rate, with no 429, every card delivered once', async () => {
    const prefix = uniquePrefix();
    const contacts = Array.from({ length: SELLERS }, (_, i) => `seller${String(i)}@contoso.example`).join(';');
    const start = async (instanceId: string): Promise<TestApp> => {
      const app = await startTestApp(
        { ...dynamicsEnv(dv.url), STORAGE_NAME_PREFIX: prefix, LEAD_CONTACTS: contacts, TEAMS_TENANT_ID: TENANT_ID, TEAMS_MESSAGES_PER_SECOND: String(PER_SECOND) },
        { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, instanceId },
      );
      running.push(app);
      return app;
    };
    const [a, b] = [await start('instance-a'), await start('instance-b')];
    await seedSellers(a.app.installations, connector.serviceUrl, SELLERS);
    // Each lead on an instance of its own: b's worker is off while a takes the first.
    await b.app.worker.stop();
    const first = (await postLead(a.url, lead(1))).body.leadId as string;
    const cardsOf = (leadId: string): number[] => connector.delivered.filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(leadId)).map((d) => d.at);
    await waitFor(() => cardsOf(first).length, (n) => n >= 5);
    // a takes no more leads (finishing the one in hand); b takes the second.
    const aStopping = a.app.worker.stop();
    b.app.worker.start();
    const second = (await postLead(b.url, lead(2))).body.leadId as string;

    await waitFor(() => cardsOf(first).length + cardsOf(second).length, (n) => n === 2 * SELLERS, 60_000);
    await aStopping;

    expect(connector.throttled).toBe(0);
    expect(connector.peakPerSecond()).toBeLessThanOrEqual(PER_SECOND);
    // Both sent at once: the second lead's first card came while the first's were still going out.
    expect(Math.min(...cardsOf(second))).toBeLessThan(Math.max(...cardsOf(first)));
    const chats = connector.delivered.filter((d) => d.method === 'POST').map((d) => `${d.conversationId} ${JSON.stringify(d.activity).includes(first) ? 'first' : 'second'}`);
    expect(new Set(chats).size).toBe(chats.length);
    // Split evenly once both were sending: over the last seconds of the overlap, each had about half.
    const overlapEnd = Math.min(Math.max(...cardsOf(first)), Math.max(...cardsOf(second)));
    const window = (at: readonly number[]): number => at.filter((t) => t > overlapEnd - 3000 && t <= overlapEnd).length;
    expect(window(cardsOf(first))).toBeGreaterThanOrEqual(10);
    expect(window(cardsOf(second))).toBeGreaterThanOrEqual(10);
  }, 90_000);
});
