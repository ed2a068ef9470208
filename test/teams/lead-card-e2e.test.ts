import { startPlayground, type Playground } from '../../emulators/agents-playground';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

describe('a lead, end to end through the Agents Playground', () => {
  let dv: DataverseEmulator;
  let t: TestApp;
  let playground: Playground;

  beforeAll(async () => {
    dv = await startDataverse();
    t = await startTestApp(
      { ...dynamicsEnv(dv.url), LEAD_CONTACTS: 'alexw@example.com; nobody@contoso.example' },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY },
    );
    playground = await startPlayground(`${t.url}/api/messages`);
  });
  afterAll(async () => {
    await playground.stop();
    await t.stop();
    await dv.stop();
  });

  it('installs, receives a lead, and shows the lead card in the personal chat', async () => {
    const chat = playground.config.personalChat.id;
    await playground.install(chat);
    await waitFor(() => t.app.installations.get(chat), (i) => i !== undefined);

    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;

    const message = await waitFor(
      () => playground.messages.find((m) => m.action === 'createMessage' && m.conversationId === chat && m.attachments.some((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')),
      (m) => m !== undefined,
    );
    const card = JSON.stringify(message?.attachments[0]?.content);
    expect(card).toContain('Contact me — Contoso Sales Insights');
    expect(card).toContain('Dana Whitfield');
    expect(card).toContain('We have 40 sellers on Dynamics 365 Sales');
    expect(card).toContain('"verb":"claimLead"');
    // The card goes without waiting for Dynamics; once the lead is written, that same card links to its record.
    const recordLink = `${dv.url}/main.aspx?pagetype=entityrecord&etn=lead&id=${leadId}`;
    const linked = await waitFor(
      () => playground.messages.filter((m) => m.conversationId === chat && m.messageId === message?.messageId).at(-1),
      (m) => JSON.stringify(m?.attachments).includes(recordLink),
    );
    expect(JSON.stringify(linked?.attachments)).toContain('"verb":"claimLead"');
    expect(playground.messages.filter((m) => m.action === 'createMessage' && m.attachments.length > 0)).toHaveLength(1);
    // The contact who has not installed the app is known to be unreachable, once the alert has gone to everyone it can.
    await waitFor(() => t.logs.join(''), (logs) => logs.includes('lead card delivered'));
    expect(t.logs.join('')).toMatch(/"unreachable":1.*have no chat with the bot in Teams/);
    expect((await t.app.deliveries.forLead(leadId)).map((d) => [d.conversationId, d.status])).toEqual([[chat, 'sent']]);

    // Claim: the card comes back saying who claimed it, and the lead has its owner.
    const claimed = await playground.execute(chat, message?.messageId ?? '', 'claimLead', { leadId });
    expect(claimed.type).toBe('application/vnd.microsoft.card.adaptive');
    const claimedCard = JSON.stringify(claimed.value);
    expect(claimedCard).toContain('"text":"Claimed by "');
    expect(claimedCard).toContain(`"text":"${playground.config.currentUser.name}"`);
    expect(claimedCard).not.toContain('"verb":"claimLead"');
    expect((await t.app.storage.leads.get(leadId))?.claimedBy).toBe(playground.config.currentUser.name);

    // A card that names no lead (tampered or stale) gets a plain answer, not an error.
    const bogus = await playground.execute(chat, message?.messageId ?? '', 'claimLead', { leadId: '../../etc' });
    expect(bogus.value).toBe('This card does not name a lead.');
  });
});
