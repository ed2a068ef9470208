import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { fixtureFrom } from '../support/fixtures';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { seedSellers } from '../support/seed-installations';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

// Two sellers get every lead. Dynamics already knows some customers: the card says so, with
// links, so two sellers don't chase the same person. The card never waits for the lookup.
describe('a lead from a customer Dynamics knows already', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let t: TestApp;

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    t = await startTestApp(
      { ...dynamicsEnv(dv.url), LEAD_CONTACTS: 'seller0@contoso.example;seller1@contoso.example', TEAMS_TENANT_ID: TENANT_ID, OWN_DOMAINS: 'contoso.example' },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY },
    );
    await seedSellers(t.app.installations, connector.serviceUrl, 2);
  });
  afterAll(async () => {
    await t.stop();
    await connector.stop();
    await dv.stop();
  });

  /** Each chat's cards for the lead, in order: the first as posted, then its updates. */
  const cardsIn = (leadId: string): Map<string, string[]> => {
    const chats = new Map<string, string[]>();
    for (const d of connector.delivered) {
      if (!JSON.stringify(d.activity).includes(leadId)) continue;
      chats.set(d.conversationId, [...(chats.get(d.conversationId) ?? []), JSON.stringify(d.activity.attachments)]);
    }
    return chats;
  };
  const post = async (email: string): Promise<string> => {
    const leadId = (await postLead(t.url, fixtureFrom('https-appsource-contact-me', email))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done' && l.knownCustomer !== undefined);
    return leadId;
  };

  it('sends the card at once, then shows on every copy that the customer is a contact already, and their company an account, with links', async () => {
    const contact = dv.addContact({ fullname: 'Dana Whitfield', emailaddress1: 'dana@fabrikam.example', createdon: '2025-03-03T10:00:00Z' });
    const account = dv.addAccount({ name: 'Fabrikam', websiteurl: 'https://fabrikam.example' });
    // Dynamics slow to answer: the cards go before it does.
    dv.faults.latencyMs = 400;
    try {
      const leadId = await post('dana@fabrikam.example');
      const chats = await waitFor(() => Promise.resolve(cardsIn(leadId)), (c) => [...c.values()].every((cards) => cards.at(-1)?.includes('Already a contact in Dynamics since 3 Mar 2025') === true) && c.size === 2);
      for (const cards of chats.values()) {
        expect(cards[0]).not.toContain('Already a contact');
        expect(cards.at(-1)).toContain(`etn=contact&id=${contact}`);
        expect(cards.at(-1)).toContain('Their company is an account in Dynamics: ');
        expect(cards.at(-1)).toContain(`etn=account&id=${account}`);
      }
    } finally {
      dv.faults.latencyMs = 0;
    }
  });

  it("says so when another seller's open lead has the same customer, and who owns it", async () => {
    const earlier = await post('kenji@tailspin.example');
    dv.addUser({ azureactivedirectoryobjectid: '0d7e6b1a-3333-4a1b-8c1d-000000000001', fullname: 'Ana Silva', internalemailaddress: 'ana@contoso.example' });
    await t.app.storage.leads.claim(earlier, { name: 'Ana Silva', aadObjectId: '0d7e6b1a-3333-4a1b-8c1d-000000000001' }, new Date());
    t.app.followUps.nudge();
    await waitFor(() => t.app.storage.leads.get(earlier), (l) => l?.owner?.state === 'done');

    const again = await post('Kenji@Tailspin.example');
    const chats = await waitFor(() => Promise.resolve(cardsIn(again)), (c) => c.size === 2 && [...c.values()].every((cards) => cards.at(-1)?.includes('owned by Ana Silva') === true));
    for (const cards of chats.values()) expect(cards.at(-1)).toContain(`etn=lead&id=${earlier}`);
  });

  it('says nothing of a stranger, nor of an account at a free-mail domain, and updates no card for it', async () => {
    dv.addAccount({ name: 'Everyone at Gmail', emailaddress1: 'billing@gmail.com' });
    const accountLooks = (): number => dv.requests.filter((r) => r.path.endsWith('/accounts')).length;
    const before = accountLooks();
    const updatesBefore = connector.delivered.filter((d) => d.method === 'PUT').length;
    const leadId = await post('someone.new@gmail.com');
    expect((await t.app.storage.leads.get(leadId))?.knownCustomer).toEqual({});
    const cards = [...cardsIn(leadId).values()];
    expect(cards.flat().join(' ')).not.toContain('in Dynamics since');
    expect(cards.flat().join(' ')).not.toContain('Everyone at Gmail');
    expect(accountLooks()).toBe(before);
    // Its copies were updated for Dynamics' answer only, if at all: none says anything known.
    const updates = connector.delivered.filter((d) => d.method === 'PUT').slice(updatesBefore).filter((d) => JSON.stringify(d.activity).includes(leadId));
    expect(updates.every((u) => !JSON.stringify(u.activity).includes('in Dynamics since'))).toBe(true);
  });
});
