import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { sendAsTeams } from '../../emulators/send-as-teams';
import { FOLLOW_UP_CHECK_MS } from '../../src/pipeline/lead-follow-ups';
import { fixtureFrom } from '../support/fixtures';
import { ManualClock } from '../support/manual-clock';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { postLead, startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

/** Seller n's Entra object id, as Teams puts it on their activities. */
const OBJECT_ID = (n: number): string => `00000000-0000-4000-8000-00000000c00${String(n)}`;
/** An admin, who reads in `status` what Dynamics does not have of the sellers' actions. */
const ADA = { userId: '29:ada', aadObjectId: '00000000-0000-4000-8000-00000000ad01', name: 'Ada Admin', conversationId: 'a:ada', email: 'ada@contoso.example' };

// Three sellers get every lead; Claim makes the claimer the lead's owner in Dynamics, Mark
// contacted and Disqualify set its status there. Two instances share the storage; the clock is the test's.
describe("a seller's actions on a lead card reach Dynamics", () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  const clock = new ManualClock(Date.now());
  const prefix = uniquePrefix();
  const running: TestApp[] = [];
  let a: TestApp;
  let sellerZero: string;

  const start = async (instanceId: string): Promise<TestApp> => {
    const app = await startTestApp(
      { ...dynamicsEnv(dv.url), STORAGE_NAME_PREFIX: prefix, LEAD_CONTACTS: 'seller0@contoso.example;seller1@contoso.example;seller2@contoso.example', ADMINS: ADA.email, TEAMS_TENANT_ID: TENANT_ID },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY, now: () => new Date(clock.now()), clock, instanceId },
    );
    running.push(app);
    return app;
  };

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    connector.members.set(ADA.userId, { name: ADA.name, aadObjectId: ADA.aadObjectId, email: ADA.email, userPrincipalName: ADA.email, userRole: 'user' });
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

  /** Seller n presses a button on their copy, as Teams sends it (Action.Execute invoke, with their Entra object id). */
  const actAs = async (n: number, verb: string, leadId: string, cardId: string, inputs: Record<string, string> = {}): Promise<string> => {
    const response = await fetch(`${a.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: `invoke-${verb}-${leadId}-${String(n)}`,
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: `29:user-${String(n)}`, name: `Seller ${String(n)}`, aadObjectId: OBJECT_ID(n) },
        recipient: { id: '28:bot', name: 'Lead Bot' },
        conversation: { id: `a:conversation-${String(n)}`, conversationType: 'personal', tenantId: TENANT_ID },
        channelData: { tenant: { id: TENANT_ID } },
        replyToId: cardId,
        value: { action: { type: 'Action.Execute', verb, data: { leadId, ...inputs } }, trigger: 'manual' },
      }),
    });
    expect(response.status).toBe(200);
    return JSON.stringify(await response.json());
  };
  const claimAs = (n: number, leadId: string, cardId: string): Promise<string> => actAs(n, 'claimLead', leadId, cardId);
  /** What a refusal says: Teams shows a message answer's value to whoever pressed. */
  const said = (answer: string): unknown => (JSON.parse(answer) as { type: string; value: unknown }).value;

  /** The latest card each seller's chat shows for the lead. */
  const copiesNow = (leadId: string): string[] => {
    const latest = new Map<string, string>();
    for (const d of connector.delivered) if (JSON.stringify(d.activity).includes(leadId)) latest.set(d.conversationId, JSON.stringify(d.activity.attachments));
    return [...latest.values()];
  };
  const assigns = (leadId: string): number[] => dv.requests.filter((r) => r.method === 'PATCH' && r.path.includes(leadId)).map((r) => r.status);
  /** Waits until the lead's sellers' actions have all reached Dynamics (or been refused there). */
  const settled = (leadId: string): Promise<unknown> =>
    waitFor(() => a.app.storage.leads.get(leadId), (l) => l?.owner?.state !== 'pending' && l?.statusInDynamics?.state !== 'pending');

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
      await clock.advance(FOLLOW_UP_CHECK_MS);
      await Promise.all(running.map((r) => r.app.followUps.tick()));
    }
    await waitFor(() => copiesNow(leadId), (copies) => copies.every((c) => c.includes('Owner in Dynamics: Seller Zero')));
    await clock.advance(FOLLOW_UP_CHECK_MS);
    expect(assigns(leadId)).toEqual([204]);
  });

  it('Mark contacted sets Open, Contacted in Dynamics and on every copy; pressed again, it says who did it', async () => {
    const { leadId, cards } = await newLead(6);
    await claimAs(0, leadId, cards.get('a:conversation-0') ?? '');
    const answer = await actAs(0, 'markContacted', leadId, cards.get('a:conversation-0') ?? '');
    expect(answer).toMatch(/"text":"Contacted by Seller 0, \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC"/);
    expect(answer).not.toContain('"verb":"markContacted"');
    await settled(leadId);
    expect(dv.leads.get(leadId)).toMatchObject({ statecode: 0, statuscode: 2, _ownerid_value: sellerZero });
    await waitFor(() => copiesNow(leadId), (copies) => copies.length === 3 && copies.every((c) => c.includes('Contacted by Seller 0')));
    expect(said(await actAs(0, 'markContacted', leadId, cards.get('a:conversation-0') ?? ''))).toBe('Seller 0 marked this lead contacted already.');
  });

  it("refuses a second seller's late action politely, and changes nothing", async () => {
    const { leadId, cards } = await newLead(7);
    await claimAs(0, leadId, cards.get('a:conversation-0') ?? '');
    await settled(leadId);
    const patches = assigns(leadId).length;
    expect(said(await actAs(1, 'markContacted', leadId, cards.get('a:conversation-1') ?? ''))).toBe('Seller 0 has this lead: only they, or an admin, can do that.');
    expect(said(await actAs(1, 'disqualifyLead', leadId, cards.get('a:conversation-1') ?? '', { reason: '6' }))).toBe('Seller 0 has this lead: only they, or an admin, can do that.');
    expect((await a.app.storage.leads.get(leadId))?.contacted).toBeUndefined();
    expect(assigns(leadId)).toHaveLength(patches);
  });

  it('Disqualify with a reason sets Disqualified and that status reason in Dynamics; after it, nothing more applies', async () => {
    const { leadId, cards } = await newLead(8);
    // Mark contacted on an unclaimed lead makes it the seller's.
    await actAs(1, 'markContacted', leadId, cards.get('a:conversation-1') ?? '');
    expect((await a.app.storage.leads.get(leadId))?.claimedBy).toBe('Seller 1');
    expect(said(await actAs(1, 'disqualifyLead', leadId, cards.get('a:conversation-1') ?? '', { reason: 'spam' }))).toBe('Choose why the lead is disqualified, then press Disqualify.');
    const answer = await actAs(1, 'disqualifyLead', leadId, cards.get('a:conversation-1') ?? '', { reason: '5' });
    expect(answer).toContain('"text":"Disqualified by Seller 1: Cannot contact"');
    expect(answer).not.toMatch(/"verb":"(markContacted|disqualifyLead|claimLead)"/);
    await settled(leadId);
    expect(dv.leads.get(leadId)).toMatchObject({ statecode: 2, statuscode: 5 });
    await waitFor(() => copiesNow(leadId), (copies) => copies.length === 3 && copies.every((c) => c.includes('Disqualified by Seller 1: Cannot contact') && !c.includes('"verb":"disqualifyLead"')));
    expect(said(await actAs(1, 'markContacted', leadId, cards.get('a:conversation-1') ?? ''))).toBe('Seller 1 disqualified this lead already.');
  });

  it('offers no Claim on a disqualified lead, and refuses one pressed on an old copy', async () => {
    const { leadId, cards } = await newLead(10);
    await actAs(2, 'disqualifyLead', leadId, cards.get('a:conversation-2') ?? '', { reason: '4' });
    const late = await claimAs(0, leadId, cards.get('a:conversation-0') ?? '');
    expect(late).toContain('"text":"Disqualified by Seller 2: Lost"');
    expect(late).not.toMatch(/"verb":"(claimLead|markContacted|disqualifyLead)"/);
    expect((await a.app.storage.leads.get(leadId))?.claimedBy).toBeUndefined();
    await settled(leadId);
    expect(dv.leads.get(leadId)).toMatchObject({ statecode: 2, statuscode: 4 });
  });

  it('leaves a lead someone qualified in Dynamics meanwhile as it is there, and says so', async () => {
    const { leadId, cards } = await newLead(9);
    await claimAs(0, leadId, cards.get('a:conversation-0') ?? '');
    await settled(leadId);
    Object.assign(dv.leads.get(leadId) ?? {}, { statecode: 1, statuscode: 3 });
    const before = assigns(leadId).length;
    await actAs(0, 'markContacted', leadId, cards.get('a:conversation-0') ?? '');
    await settled(leadId);
    expect((await a.app.storage.leads.get(leadId))?.statusInDynamics).toEqual({ state: 'refused', code: 'DYNAMICS_LEAD_CLOSED' });
    expect(dv.leads.get(leadId)).toMatchObject({ statecode: 1, statuscode: 3 });
    expect(assigns(leadId)).toHaveLength(before);
    await waitFor(() => copiesNow(leadId), (copies) => copies.length === 3 && copies.every((c) => c.includes("Dynamics kept the lead's status as it is there (DYNAMICS_LEAD_CLOSED)")));
  });

  it("status tells an admin which sellers' actions Dynamics does not have, and why, and the leads nobody claimed", async () => {
    const seen = connector.delivered.length;
    const response = await sendAsTeams(a.url, connector.serviceUrl, ADA, { type: 'message', id: 'ada-status', text: 'status' });
    expect(response.status).toBeLessThan(300);
    const [card] = await waitFor(() => Promise.resolve(connector.delivered.slice(seen).filter((d) => d.conversationId === ADA.conversationId)), (d) => d.length > 0);
    const text = JSON.stringify(card?.activity.attachments);
    // Seller 1 has no Dynamics user (leads 2 and 8); Seller 2's user is disabled (lead 3); lead 9 was qualified in Dynamics meanwhile.
    expect(text).toContain(
      `"title":"Sellers' actions in Dynamics","value":"no Dynamics user for Seller 1: their claims don't make them the lead's owner in Dynamics (an admin can add them); 2 refused by Dynamics (DYNAMICS_LEAD_CLOSED, DYNAMICS_OWNER_CANNOT_OWN)"`,
    );
    // Lead 4 alone: the others were claimed or disqualified.
    expect(text).toMatch(/"title":"Unclaimed","value":"1 lead\(s\) in the last 7 days, oldest received [^";]+"/);
  });
});

