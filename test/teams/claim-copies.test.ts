import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { TENANT_ID } from '../../emulators/directory';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { allShowRecord } from '../support/connector-cards';
import { seedSellers } from '../support/seed-installations';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

describe('claiming a lead card that went to several sellers', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let t: TestApp;

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    t = await startTestApp(
      { ...dynamicsEnv(dv.url), LEAD_CONTACTS: 'seller0@contoso.example;seller1@contoso.example;seller2@contoso.example' },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY },
    );
    await seedSellers(t.app.installations, connector.serviceUrl, 3);
  });
  afterAll(async () => {
    await t.stop();
    await connector.stop();
    await dv.stop();
  });

  /** Seller n presses Claim on their copy, as Teams sends it (Action.Execute invoke). */
  const claimAs = async (n: number, leadId: string, cardId: string): Promise<string> => {
    const response = await fetch(`${t.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: `invoke-${n}`,
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: `29:user-${n}`, name: `Seller ${n}` },
        recipient: { id: '28:bot', name: 'Lead Bot' },
        conversation: { id: `a:conversation-${n}`, conversationType: 'personal', tenantId: TENANT_ID },
        channelData: { tenant: { id: TENANT_ID } },
        replyToId: cardId,
        value: { action: { type: 'Action.Execute', verb: 'claimLead', data: { leadId } }, trigger: 'manual' },
      }),
    });
    expect(response.status).toBe(200);
    return JSON.stringify(await response.json());
  };

  it('updates every other copy to "Claimed by …", and the second seller sees who has it', async () => {
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    const cards = new Map(connector.delivered.filter((d) => d.method === 'POST').map((d) => [d.conversationId, d.activityId]));
    expect(cards.size).toBe(3);
    // Copies sent before Dynamics answered are updated to say so; the claim comes after.
    await waitFor(() => allShowRecord(connector.delivered, leadId), (done) => done);
    const before = connector.delivered.length;

    const answer = await claimAs(0, leadId, cards.get('a:conversation-0') ?? '');
    expect(answer).toContain('"text":"Claimed by "');
    expect(answer).toContain('"text":"Seller 0"');

    // The other two copies are replaced in place (PUT on the same activity), the claimer's is not;
    // then every copy, the claimer's too, says whether they own it in Dynamics (here Dynamics has no user for them).
    const updates = await waitFor(() => connector.delivered.slice(before), (u) => u.length === 5);
    expect(updates.map((u) => u.method)).toEqual(['PUT', 'PUT', 'PUT', 'PUT', 'PUT']);
    const perChat = (id: string): number => updates.filter((u) => u.conversationId === id && u.activityId === cards.get(id)).length;
    expect([perChat('a:conversation-0'), perChat('a:conversation-1'), perChat('a:conversation-2')]).toEqual([1, 2, 2]);
    for (const chat of ['a:conversation-0', 'a:conversation-1', 'a:conversation-2']) {
      const card = JSON.stringify(updates.filter((u) => u.conversationId === chat).at(-1)?.activity.attachments);
      expect(card).toContain('"text":"Seller 0"');
      expect(card).toContain('Dynamics has no user for them');
      expect(card).not.toContain('"verb":"claimLead"');
    }

    // A seller whose copy was not refreshed yet presses Claim: the card shows the owner instead.
    const late = await claimAs(1, leadId, cards.get('a:conversation-1') ?? '');
    expect(late).toContain('"text":"Seller 0"');
    expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBe('Seller 0');
    expect(connector.delivered.slice(before)).toHaveLength(5);
  });

  /** Someone presses Claim as a client without Universal Actions does (Action.Submit: a message with the data). */
  const submitClaim = async (conversationId: string, userId: string, leadId: string, replyToId: string): Promise<void> => {
    const response = await fetch(`${t.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: `submit-${conversationId}`,
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: userId, name: 'Someone' },
        recipient: { id: '28:bot', name: 'Lead Bot' },
        conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT_ID },
        channelData: { tenant: { id: TENANT_ID } },
        replyToId,
        value: { verb: 'claimLead', leadId },
      }),
    });
    expect(response.status).toBeLessThan(300);
  };

  it('refuses a Claim for a lead that never reached the chat it comes from, and says nothing of the lead', async () => {
    const leadId = (await postLead(t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    // A member of the organisation, in a chat of their own with the bot, names the lead by hand.
    const forged = await fetch(`${t.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: 'forged-claim',
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: '29:outsider', name: 'Mallory' },
        recipient: { id: '28:bot', name: 'Lead Bot' },
        conversation: { id: 'a:mallory', conversationType: 'personal', tenantId: TENANT_ID },
        channelData: { tenant: { id: TENANT_ID } },
        value: { action: { type: 'Action.Execute', verb: 'claimLead', data: { leadId } }, trigger: 'manual' },
      }),
    });
    const answer = JSON.stringify(await forged.json());
    expect(answer).toContain('This card does not name a lead.');
    expect(answer).not.toContain('지민');
    expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBeUndefined();
  });

  it('never replaces the message an Action.Submit names: only the card the bot recorded sending there', async () => {
    const leadId = (await postLead(t.url, fixture('https-azure-portal-purchase'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    await waitFor(() => allShowRecord(connector.delivered, leadId), (done) => done);
    const recorded = (await t.app.deliveries.get(leadId, 'a:conversation-2'))?.activityId;
    const puts = (): number => connector.delivered.filter((d) => d.method === 'PUT').length;
    const before = puts();
    await submitClaim('a:conversation-2', '29:user-2', leadId, 'some-other-message');
    // Its own copy, by the id the bot recorded, and the two others; then all three again, with
    // whether the claimer owns it in Dynamics.
    const updates = await waitFor(() => connector.delivered.filter((d) => d.method === 'PUT').slice(before), (u) => u.length === 6);
    expect(updates.map((u) => u.activityId)).not.toContain('some-other-message');
    expect(new Set(updates.filter((u) => u.conversationId === 'a:conversation-2').map((u) => u.activityId))).toEqual(new Set([recorded]));
    expect(puts()).toBe(before + 6);
  });
});
