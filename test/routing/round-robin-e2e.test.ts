import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { fixtureFrom } from '../support/fixtures';
import { ManualClock } from '../support/manual-clock';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedChannel, seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { postLead, startTestApp, uniquePrefix, type TestApp } from '../support/test-app';
import { TURN_CHECK_MS } from '../../src/pipeline/turn-passer';

const CHANNEL = '19:korea-sales@thread.tacv2';
const SELLER = (i: number): string => `a:conversation-${String(i)}`;
const CLAIM_MS = 10 * 60_000;

/** A Korean lead of its own (each customer another lead). */
const koreanLead = (n: number): Record<string, unknown> => fixtureFrom('https-korean-contact', `customer${String(n)}@woodgrove.example`);

// Three sellers take Korean leads in turn, ten minutes each to claim; then the whole route,
// their channel included. Two instances share the storage; the clock is the test's.
describe('a round-robin route', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  const clock = new ManualClock(Date.now());
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'routes-'));
  const routesFile = join(dir, 'routes.json');
  writeFileSync(
    routesFile,
    JSON.stringify({
      routes: [{ name: 'korea', countries: ['KR'], contacts: ['seller0@contoso.example', 'seller1@contoso.example', 'seller2@contoso.example'], chats: [CHANNEL], mode: 'round-robin', claimWithinMinutes: 10 }],
    }),
  );
  const running: TestApp[] = [];

  const start = async (instanceId: string): Promise<TestApp> => {
    const app = await startTestApp(
      { ...dynamicsEnv(dv.url), STORAGE_NAME_PREFIX: prefix, LEAD_ROUTES_FILE: routesFile, LEAD_CONTACTS: 'seller3@contoso.example', TEAMS_TENANT_ID: TENANT_ID },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, now: () => new Date(clock.now()), clock, instanceId },
    );
    running.push(app);
    return app;
  };

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
  });
  afterAll(async () => {
    for (const app of running) await app.stop();
    await connector.stop();
    await dv.stop();
  });

  /** The chats that have had the lead's card, once each (any twice fails); its escalations (test/teams/escalation-e2e.test.ts) aside. */
  const cardsOf = (leadId: string): string[] => {
    const announced = connector.delivered.filter((d) => d.method === 'POST' && d.activity.summary !== 'Lead still unclaimed');
    const chats = announced.filter((d) => JSON.stringify(d.activity).includes(leadId)).map((d) => d.conversationId);
    expect(new Set(chats).size).toBe(chats.length);
    return chats.sort();
  };
  const post = async (app: TestApp, n: number): Promise<string> => {
    const leadId = (await postLead(app.url, koreanLead(n))).body.leadId as string;
    await waitFor(() => app.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    return leadId;
  };
  /**
   * Moves the clock past the claim window; both instances' passers look at once (as their loops
   * would, each TURN_CHECK_MS), and the workers send whoever is new.
   */
  const claimWindowPasses = async ([app, other]: TestApp[], expected: Record<string, string[]>): Promise<void> => {
    if (app === undefined || other === undefined) throw new Error('two instances');
    await clock.advance(CLAIM_MS + TURN_CHECK_MS);
    await Promise.all([app.app.turnPasser.tick(), other.app.turnPasser.tick()]);
    // Each step's queue message shows after 5 s (turn-passer.ts): room for that on a busy machine.
    for (const [leadId, chats] of Object.entries(expected)) {
      await waitFor(() => cardsOf(leadId), (c) => c.length === chats.length, 30_000);
      await waitFor(() => app.app.storage.leads.get(leadId), (l) => l?.alertedAt !== undefined, 30_000);
      expect(cardsOf(leadId)).toEqual(chats);
    }
  };

  it('hands leads out in turn across two instances and a restart, skips someone away, passes on unclaimed leads, and ends with everyone', async () => {
    let a = await start('a');
    const b = await start('b');
    await seedSellers(a.app.installations, connector.serviceUrl, 4);
    await seedChannel(a.app.installations, connector.serviceUrl, CHANNEL);

    // In turn, whichever instance takes the lead, and carrying on after a restart.
    const first = await post(a, 1);
    const second = await post(b, 2);
    await a.stop();
    running.splice(running.indexOf(a), 1);
    a = await start('a-again');
    const third = await post(a, 3);
    const fourth = await post(b, 4);
    expect([first, second, third, fourth].map(cardsOf)).toEqual([[SELLER(0)], [SELLER(1)], [SELLER(2)], [SELLER(0)]]);
    expect((await a.app.storage.leads.get(first))?.routing).toMatchObject({ kind: 'route', route: 'korea', contacts: ['seller0@contoso.example'], chats: [] });

    // Seller 1 is away: their turn goes to the next.
    await a.app.storage.away.set(['seller1@contoso.example'], undefined, new Date(clock.now()));
    const fifth = await post(b, 5);
    expect(cardsOf(fifth)).toEqual([SELLER(2)]);

    // Seller 0 claims the fourth lead: it stays theirs.
    await b.app.storage.leads.claim(fourth, { name: 'Seller 0' }, new Date(clock.now()));

    // Ten minutes on, nobody claimed the others: each passes to the next seller not away (once,
    // with both instances looking), who gets the card; the first keeps theirs.
    await claimWindowPasses([a, b], { [first]: [SELLER(0), SELLER(2)], [second]: [SELLER(1), SELLER(2)], [third]: [SELLER(0), SELLER(2)], [fifth]: [SELLER(0), SELLER(2)], [fourth]: [SELLER(0)] });

    // Ten more: nobody left in turn for most (seller 1 is away), so the whole route has them, the
    // channel too. The second lead was seller 1's before they went away: seller 0 is still to come.
    const everyone = [CHANNEL, SELLER(0), SELLER(1), SELLER(2)].sort();
    await claimWindowPasses([a, b], { [first]: everyone, [second]: [SELLER(0), SELLER(1), SELLER(2)], [third]: everyone, [fifth]: everyone, [fourth]: [SELLER(0)] });
    await claimWindowPasses([a, b], { [second]: everyone });
    const card = JSON.stringify(connector.delivered.find((d) => d.conversationId === CHANNEL)?.activity);
    expect(card).toContain('Nobody claimed this lead in turn, so everyone on its route has it now.');
    expect((await a.app.storage.leads.get(fifth))?.routing).toMatchObject({ contacts: ['seller0@contoso.example', 'seller1@contoso.example', 'seller2@contoso.example'], chats: [CHANNEL], turn: { everyone: true } });

    // And it stops there: no more steps, no more cards.
    const sent = connector.delivered.length;
    await clock.advance(CLAIM_MS + TURN_CHECK_MS);
    expect(await a.app.turnPasser.tick()).toBe(0);
    expect(connector.delivered.length).toBe(sent);
    expect(a.logs.concat(b.logs).join('').match(/passed on/g)?.length).toBe(9);
  }, 120_000);
});
