import { fixture } from '../support/fixtures';
import { cardOf, useRig } from '../support/command-rig';
import { waitFor } from '../support/pipeline';
import { postLead } from '../support/test-app';

describe('chat commands, as an admin, through the Agents Playground', () => {
  const rig = useRig({ ADMINS: 'AlexW@example.com' });

  it('help lists every command an admin may run, as a card', async () => {
    const card = cardOf(await rig.playground.ask(rig.chats.personal, 'help'));
    for (const usage of ['help', 'validate', 'status', 'subscribe [offer ID | country CODE | escalations | digest | en | ko]', 'unsubscribe [escalations | digest]', 'route list | add | remove | test', 'retry [lead id]', 'rotation [set|add|remove …]', 'rotated NAME [YYYY-MM-DD]']) expect(card).toContain(`"text":"${usage}"`);
    expect(card).not.toContain('Admins can also run');
  });

  it('subscribe and unsubscribe in a personal chat are idempotent and say the state', async () => {
    // Alex is not on the contact list, so gets no cards until opting in.
    expect((await rig.playground.ask(rig.chats.personal, 'unsubscribe')).text).toBe('Nothing to change. You get no lead cards. Type **subscribe** to get them.');
    expect((await rig.playground.ask(rig.chats.personal, 'subscribe')).text).toBe('Done. You get a card for every new lead. Type **unsubscribe** to stop.');
    expect((await rig.playground.ask(rig.chats.personal, 'Subscribe ')).text).toBe('Nothing to change. You get a card for every new lead. Type **unsubscribe** to stop.');
    expect((await rig.t.app.installations.get(rig.chats.personal))?.subscribed).toBe(true);
  });

  it('subscribes a channel (the bot @mentioned), and new leads reach it and the subscribed person, not the quiet group chat', async () => {
    expect((await rig.playground.ask(rig.chats.channel, 'subscribe')).text).toBe('Done. This channel gets a card for every new lead. Type **unsubscribe** to stop.');
    const leadId = (await postLead(rig.t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    const deliveries = await waitFor(() => rig.t.app.deliveries.forLead(leadId), (d) => d.length === 2 && d.every((one) => one.status !== 'sending'));
    expect(deliveries.map((d) => [d.conversationId, d.status]).sort()).toEqual([[rig.chats.channel, 'sent'], [rig.chats.personal, 'sent']].sort());
    // Two cards (an update of one, once the lead is in Dynamics, is not a third).
    await waitFor(() => rig.playground.messages.filter((m) => m.action === 'createMessage' && cardOf(m).includes(leadId)), (m) => m.length === 2);
    expect(rig.playground.messages.filter((m) => m.conversationId === rig.chats.group && m.attachments.length > 0)).toEqual([]);
  });

  it('unsubscribes the channel again, and says so once', async () => {
    expect((await rig.playground.ask(rig.chats.channel, 'unsubscribe')).text).toBe('Done. This channel gets no lead cards. Type **subscribe** to get them.');
    expect((await rig.playground.ask(rig.chats.channel, 'unsubscribe')).text).toBe('Nothing to change. This channel gets no lead cards. Type **subscribe** to get them.');
    expect((await rig.t.app.installations.get(rig.chats.channel))?.subscribed).toBe(false);
  });

  it('status reports the leads, the contacts Teams cannot reach, and dead letters an admin can retry', async () => {
    await waitFor(() => rig.t.app.storage.leads.timelines(new Date(0)), (all) => all.every((l) => l.status === 'done'));
    // A lead the pipeline gave up on.
    const stuck = (await postLead(rig.t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => rig.t.app.storage.leads.get(stuck), (l) => l?.status === 'done');
    await rig.t.app.deadLetters.add({ leadId: stuck, code: 'DYNAMICS_REJECTED', reason: 'Dynamics refused the lead.', fix: 'Fix the Lead table.', at: new Date().toISOString() });

    const status = await rig.playground.ask(rig.chats.personal, 'status');
    const card = cardOf(status);
    expect(card).toContain('Needs attention: 1 dead-lettered, 1 contact(s) not reachable.');
    expect(card).toMatch(/"title":"Received","value":"2 in 24 h; last \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC \((just now|\d+ min ago)\)"/);
    expect(card).toContain('"title":"Contacts reached","value":"0 of 1 on the contact list (LEAD_CONTACTS) in Teams"');
    expect(card).toMatch(/"title":"Unclaimed","value":"2 lead\(s\) in the last 7 days, oldest received [^";]+"/);
    expect(card).toContain(`"title":"Sellers' actions in Dynamics","value":"up to date"`);
    expect(card).toContain('"text":"meganb@example.com"');
    expect(card).toContain('has no chat with the bot in Teams, and mail is off (set OUTLOOK_SENDER to reach them by mail)');
    expect(card).toContain(`"text":"${stuck}"`);
    expect(card).toContain('"verb":"retryDeadLetters"');

    // The card's Retry button puts the lead back; the answer is the refreshed status.
    const after = await rig.playground.execute(rig.chats.personal, status.messageId, 'retryDeadLetters', {});
    expect(JSON.stringify(after.value)).not.toContain(`"text":"${stuck}"`);
    expect(await rig.t.app.deadLetters.list()).toEqual([]);
    await waitFor(() => rig.t.app.storage.leads.get(stuck), (l) => l?.status === 'done');
  });

  it('retry says what it did, and explains a malformed lead id', async () => {
    expect((await rig.playground.ask(rig.chats.personal, 'retry')).text).toBe('There are no dead-lettered leads.');
    expect((await rig.playground.ask(rig.chats.personal, 'retry lead-42')).text).toMatch(/^"lead-42" is not a lead id\. Type \*\*retry\*\*/);
  });
});

describe('chat commands, as someone who is not an admin', () => {
  const rig = useRig({ ADMINS: 'meganb@example.com;00000000-0000-4000-8000-000000000099' });

  it('refuses admin commands politely, naming who may run them', async () => {
    expect((await rig.playground.ask(rig.chats.personal, 'retry')).text).toBe(
      "Sorry Alex Wilber, **retry** is for the bot's admins. It can be run by meganb@example.com and 1 person listed by Azure AD id (ADMINS in the bot's settings).",
    );
    expect((await rig.playground.ask(rig.chats.channel, 'subscribe')).text).toMatch(/^Sorry Alex Wilber, \*\*subscribe\*\* is for the bot's admins/);
    expect((await rig.t.app.installations.get(rig.chats.channel))?.subscribed).toBeUndefined();
  });

  it('shows status without the Dynamics details or the ids of leads given up on: those are for admins', async () => {
    const stuck = (await postLead(rig.t.url, fixture('https-korean-contact'))).body.leadId as string;
    await waitFor(() => rig.t.app.storage.leads.get(stuck), (l) => l?.status === 'done');
    await rig.t.app.deadLetters.add({ leadId: stuck, code: 'DYNAMICS_REJECTED', reason: 'Dynamics refused the lead.', fix: 'Fix the Lead table.', at: new Date().toISOString() });
    const card = cardOf(await rig.playground.ask(rig.chats.personal, 'status'));
    expect(card).toContain('1 dead-lettered');
    expect(card).toMatch(/"title":"Received"/);
    expect(card).not.toContain(stuck);
    expect(card).not.toContain('Dynamics refused the lead.');
    expect(card).not.toContain('"title":"Environment"');
    expect(card).not.toContain('"title":"Signs in as"');
    expect(card).not.toContain('"verb":"retryDeadLetters"');
  });

  it('still lets a person choose for their own chat, and help says what only admins can do', async () => {
    expect((await rig.playground.ask(rig.chats.personal, 'subscribe')).text).toMatch(/^Done\. You get a card/);
    const card = cardOf(await rig.playground.ask(rig.chats.personal, 'help'));
    expect(card).not.toContain('"text":"retry [lead id]"');
    expect(card).toContain('Admins can also run: validate, route, retry, rotation, rotated.');
  });
});

describe('chat commands from another organisation', () => {
  const rig = useRig({ ADMINS: 'alexw@example.com', TEAMS_TENANT_ID: '11111111-2222-4333-8444-555555555555' });

  it('are refused, even for a listed admin, except help', async () => {
    expect((await rig.playground.ask(rig.chats.personal, 'subscribe')).text).toBe('Sorry, I take **subscribe** only from people in the organisation that runs this bot.');
    expect((await rig.playground.ask(rig.chats.personal, 'status')).text).toMatch(/^Sorry, I take \*\*status\*\* only/);
    expect(cardOf(await rig.playground.ask(rig.chats.personal, 'help'))).toContain('"text":"status"');
  });
});
