import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { OWNER_CHECK_MS } from '../../src/pipeline/owner-writer';
import { fixtureFrom } from '../support/fixtures';
import { ManualClock } from '../support/manual-clock';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { postLead, startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

/** Seller n's Entra object id, as Teams puts it on their activities. */
const OBJECT_ID = (n: number): string => `00000000-0000-4000-8000-00000000c00${String(n)}`;

// Three sellers get every lead; Claim makes the claimer the lead's owner in Dynamics. Two
// instances share the storage; the clock is the test's.
describe('Claim makes the claimer the owner in Dynamics', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  const clock = new ManualClock(Date.now());
  const prefix = uniquePrefix();
  const running: TestApp[] = [];
  let a: TestApp;
  let sellerZero: string;

  const start = async (instanceId: string): Promise<TestApp> => {
    const app = await startTestApp(
      { ...dynamicsEnv(dv.url), STORAGE_NAME_PREFIX: prefix, LEAD_CONTACTS: 'seller0@contoso.example;seller1@contoso.example;seller2@contoso.example', TEAMS_TENANT_ID: TENANT_ID },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, now: () => new Date(clock.now()), clock, instanceId },
    );
    running.push(app);
    return app;
  };

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    sellerZero = dv.addUser({ azureactivedirectoryobjectid: OBJECT_ID(0), fullname: 'Seller Zero', internalemailaddress: 'seller0@contoso.example' });
    dv.addUser({ azureactivedirectoryobjectid: OBJECT_ID(2), fullname: 'Seller Two', internalemailaddress: 'seller2@contoso.example', isdisabled: true });
    a = await start('a');
    await start('b');
    await seedSellers(a.app.installations, connector.serviceUrl, 3);
  });
  afterAll(async () => {
    for (const app of running) await app.stop();
    await connector.stop();
    await dv.stop();
  });

  /** A new lead, written to Dynamics and its cards sent: its id and the activity of each seller's copy. */
  const newLead = async (n: number): Promise<{ leadId: string; cards: Map<string, string> }> => {
    const leadId = (await postLead(a.url, fixtureFrom('https-appsource-contact-me', `customer${String(n)}@fabrikam.example`))).body.leadId as string;
    await waitFor(() => a.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    const cards = new Map(connector.delivered.filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(leadId)).map((d) => [d.conversationId, d.activityId]));
    expect(cards.size).toBe(3);
    return { leadId, cards };
  };

  /** Seller n presses Claim on their copy, as Teams sends it (Action.Execute invoke, with their Entra object id). */
  const claimAs = async (n: number, leadId: string, cardId: string): Promise<string> => {
    const response = await fetch(`${a.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: `invoke-${leadId}`,
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: `29:user-${String(n)}`, name: `Seller ${String(n)}`, aadObjectId: OBJECT_ID(n) },
        recipient: { id: '28:bot', name: 'Lead Bot' },
        conversation: { id: `a:conversation-${String(n)}`, conversationType: 'personal', tenantId: TENANT_ID },
        channelData: { tenant: { id: TENANT_ID } },
        replyToId: cardId,
        value: { action: { type: 'Action.Execute', verb: 'claimLead', data: { leadId } }, trigger: 'manual' },
      }),
    });
    expect(response.status).toBe(200);
    return JSON.stringify(await response.json());
  };

  /** The latest card each seller's chat shows for the lead. */
  const copiesNow = (leadId: string): string[] => {
    const latest = new Map<string, string>();
    for (const d of connector.delivered) if (JSON.stringify(d.activity).includes(leadId)) latest.set(d.conversationId, JSON.stringify(d.activity.attachments));
    return [...latest.values()];
  };
  const assigns = (leadId: string): number[] => dv.requests.filter((r) => r.method === 'PATCH' && r.path.includes(leadId)).map((r) => r.status);

  it('sets the owner in Dynamics, and every copy of the card says so', async () => {
    const { leadId, cards } = await newLead(1);
    const answer = await claimAs(0, leadId, cards.get('a:conversation-0') ?? '');
    expect(answer).toContain('"text":"Seller 0"');
    expect(answer).toContain('Making them the owner in Dynamics…');
    await waitFor(() => copiesNow(leadId), (copies) => copies.length === 3 && copies.every((c) => c.includes('Owner in Dynamics: Seller Zero')));
    expect(dv.leads.get(leadId)?._ownerid_value).toBe(sellerZero);
    expect(assigns(leadId)).toEqual([204]);
    expect((await a.app.storage.leads.get(leadId))?.owner).toEqual({ state: 'done', name: 'Seller Zero' });
  });

  it('keeps the claim in Teams when Dynamics has no user for the claimer, and says so', async () => {
    const { leadId, cards } = await newLead(2);
    await claimAs(1, leadId, cards.get('a:conversation-1') ?? '');
    await waitFor(() => copiesNow(leadId), (copies) => copies.length === 3 && copies.every((c) => c.includes('Dynamics has no user for them')));
    expect((await a.app.storage.leads.get(leadId))?.claimedBy).toBe('Seller 1');
    expect(assigns(leadId)).toEqual([]);
  });

  it('says why when Dynamics will not make a disabled user the owner, and the next leads go on', async () => {
    const { leadId, cards } = await newLead(3);
    await claimAs(2, leadId, cards.get('a:conversation-2') ?? '');
    await waitFor(() => copiesNow(leadId), (copies) => copies.length === 3 && copies.every((c) => c.includes('(DYNAMICS_OWNER_CANNOT_OWN)')));
    expect(assigns(leadId)).toEqual([]);
    await newLead(4);
  });

  it('while Dynamics is down, the claim stands and the owner is written when it is back: once, by one instance', async () => {
    const { leadId, cards } = await newLead(5);
    dv.faults.failNext(1_000, 503);
    await claimAs(0, leadId, cards.get('a:conversation-0') ?? '');
    await waitFor(() => copiesNow(leadId), (copies) => copies.length === 3 && copies.every((c) => c.includes('Not the owner in Dynamics yet')));
    expect((await a.app.storage.leads.get(leadId))?.owner).toEqual({ state: 'pending', code: 'DYNAMICS_UNAVAILABLE' });

    dv.faults.clear();
    // Both instances look at every check; the backoff after one failure is under a check or two.
    for (let i = 0; i < 4 && dv.leads.get(leadId)?._ownerid_value !== sellerZero; i++) {
      await clock.advance(OWNER_CHECK_MS);
      await Promise.all(running.map((r) => r.app.owners.tick()));
    }
    await waitFor(() => copiesNow(leadId), (copies) => copies.every((c) => c.includes('Owner in Dynamics: Seller Zero')));
    await clock.advance(OWNER_CHECK_MS);
    expect(assigns(leadId)).toEqual([204]);
  });
});
