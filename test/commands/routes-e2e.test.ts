import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../support/fixtures';
import { cardOf, useRig } from '../support/command-rig';
import { waitFor } from '../support/pipeline';
import { postLead } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'routes-'));
const routesFile = join(dir, 'routes.yaml');
writeFileSync(routesFile, 'routes:\n  - name: insights\n    offers: [contoso.contoso-sales-insights]\n    actions: [contact-me]\n    contacts: [alexw@example.com]\n');

// Alex Wilber, an admin, sets routes in chat; the routes file has one; Megan is LEAD_CONTACTS.
describe('routes in chat, through the Agents Playground', () => {
  const rig = useRig({ ADMINS: 'AlexW@example.com', LEAD_ROUTES_FILE: routesFile });
  const ask = async (chat: string, text: string): Promise<string> => (await rig.playground.ask(chat, text)).text ?? '';
  /** The chats a lead's card went to, once it is done. */
  const chatsOf = async (payload: Record<string, unknown>): Promise<string[]> => {
    const leadId = (await postLead(rig.t.url, payload)).body.leadId as string;
    await waitFor(() => rig.t.app.storage.leads.get(leadId), (l) => l?.status === 'done');
    return (await rig.t.app.deliveries.forLead(leadId)).map((d) => d.conversationId).sort();
  };

  it('lists the routes in the order they are tried, ending with LEAD_CONTACTS', async () => {
    expect(await ask(rig.chats.personal, 'route list')).toBe(
      [
        '**Routes**, tried in this order; the first that matches a lead takes it:',
        '1. **insights**: offers `contoso.contoso-sales-insights`; actions `contact-me` → alexw@example.com (broadcast; routes file)',
        '2. every other lead → meganb@example.com (LEAD_CONTACTS)',
      ].join('\n\n'),
    );
  });

  it('refuses a faulty route with its reasons, and changes nothing', async () => {
    expect(await ask(rig.chats.personal, 'route add korea countries=KOR contacts=minho')).toBe(
      'Not added: route "korea": countries (item 1): "KOR" is not an ISO 3166 two-letter country code: use KR; route "korea": contacts (item 1): "minho" is not an e-mail address.',
    );
    expect(await ask(rig.chats.personal, 'route add korea region=APAC contacts=minho@example.com')).toMatch(/^Not added: route "korea": unknown field "region"/);
    expect(await ask(rig.chats.personal, 'route add korea countries KR')).toMatch(/^"countries" is not \*field\*=\*value\*/);
    expect(await ask(rig.chats.personal, 'route add insights contacts=minho@example.com')).toBe(
      'Not added: route "insights": name: another route is called "insights" too.',
    );
    expect(await rig.t.app.storage.routes.list()).toEqual([]);
  });

  it('adds a route for this channel, which takes its leads before the routes file, and route test says so', async () => {
    const added = await ask(rig.chats.channel, 'route add korea countries=KR chats=here');
    expect(added).toMatch(/^Added route 1 of 2: \*\*korea\*\*: countries `KR` → chat `.+` \(broadcast; added in chat by Alex Wilber on \d{4}-\d\d-\d\d\)\. Routes from chat are tried before the routes file's\.$/);
    expect(await chatsOf(fixture('https-korean-contact'))).toEqual([rig.chats.channel]);
    // Contact me on Sales Insights from the UK: the file's route, Alex's personal chat.
    expect(await chatsOf(fixture('https-appsource-contact-me'))).toEqual([rig.chats.personal]);
    // status counts each route's leads, in the order they are tried.
    const status = cardOf(await rig.playground.ask(rig.chats.personal, 'status'));
    expect(status).toContain('Routes (leads in the last 7 days)');
    expect(status).toContain('{"title":"korea","value":"1 lead(s) → 1 chat(s)"},{"title":"insights","value":"1 lead(s) → 1 contact(s)"},{"title":"LEAD_CONTACTS","value":"0 lead(s) → 1 contact(s)"}');

    const test = await ask(rig.chats.personal, 'route test contoso.contoso-sales-insights kr contact-me');
    expect(test).toContain('A lead for `contoso.contoso-sales-insights` from KR (contact-me):');
    expect(test).toContain(`**korea** takes it → chat \`${rig.chats.channel}\` (Teams)`);
    const other = await ask(rig.chats.personal, 'route test contoso.contoso-sales-insights GB');
    expect(other).toContain('- korea: not this one (countries)');
    expect(other).toContain('- insights: not this one (actions: give the action to test it)');
    expect(other).toContain('No route takes it: LEAD_CONTACTS does → meganb@example.com (no chat with the bot: not reached)');
    // A later route that the chat's route hides entirely is refused.
    expect(await ask(rig.chats.personal, 'route add seoul countries=KR offers=contoso.* contacts=minho@example.com')).toBe(
      'Not added: route "seoul": never matches: route "korea" before it takes every lead it would (narrow "korea", or put "seoul" first).',
    );
  });

  it('removes a route added in chat, but not one from the routes file', async () => {
    expect(await ask(rig.chats.personal, 'route remove KOREA')).toBe('Removed route **KOREA**. Leads it took now go to the next route that matches them (**route list**).');
    expect(await ask(rig.chats.personal, 'route remove insights')).toBe('**insights** is in the routes file (LEAD_ROUTES_FILE): change the file and restart the bot to remove it.');
    expect(await ask(rig.chats.personal, 'route remove nowhere')).toBe('There is no route called **nowhere**: **route list** shows them.');
    expect(await rig.t.app.storage.routes.list()).toEqual([]);
  });

  it("lets a chat take one offer's leads with subscribe offer, until unsubscribe", async () => {
    const subscribed = await ask(rig.chats.group, 'subscribe offer contoso.contoso-vm*');
    expect(subscribed).toMatch(/^Done\. This chat gets the leads of offer `contoso\.contoso-vm\*`: \*\*contoso-contoso-vm-[0-9a-f]{6}\*\*: offers `contoso\.contoso-vm\*` → chat /);
    expect(await chatsOf(fixture('https-azure-portal-purchase'))).toEqual([rig.chats.group]);
    const [route] = await rig.t.app.storage.routes.list();
    expect(await ask(rig.chats.group, 'unsubscribe')).toBe(`Done. Removed **${route?.name ?? ''}**. This chat gets no lead cards. Type **subscribe** to get them.`);
    expect(await rig.t.app.storage.routes.list()).toEqual([]);
    expect(await ask(rig.chats.group, 'subscribe country Korea')).toBe('Not subscribed: countries (item 1): "Korea" is not an ISO 3166 two-letter country code (such as KR, US or DE).');
  });

  it("keeps a route's people to their routed leads: subscribe turns those back on, never every lead", async () => {
    // Alex is on the routes file's insights route.
    expect(await ask(rig.chats.personal, 'unsubscribe')).toBe('Done. You get no lead cards. Type **subscribe** to get them.');
    expect(await ask(rig.chats.personal, 'subscribe')).toBe('Done. You get the leads routed to you. Type **unsubscribe** to stop.');
    expect((await rig.t.app.installations.get(rig.chats.personal))?.subscribed).toBeUndefined();
    // Even a subscription to every lead kept from before routing does not bring another route's leads.
    await rig.t.app.installations.setSubscribed(rig.chats.personal, true);
    const purchase = { ...fixture('https-appsource-contact-me'), LeadSource: 'AppSource-INS|contoso.contoso-sales-insights', ActionCode: 'INS' };
    expect(await chatsOf(purchase)).toEqual([]);
    await rig.t.app.installations.clearSubscribed(rig.chats.personal);
    // Taking an offer's leads is a team's, in its channel or group chat; a person asks an admin.
    expect(await ask(rig.chats.personal, 'subscribe offer contoso.*')).toMatch(/^A team takes an offer's or a country's leads in its channel or group chat\./);
    expect(await rig.t.app.storage.routes.list()).toEqual([]);
    expect(await ask(rig.chats.personal, 'route test contoso.contoso-sales-insights GB contact-me appsource')).toContain('**insights** takes it → alexw@example.com (Teams)');
    expect(await ask(rig.chats.personal, 'route test contoso.contoso-sales-insights GB web')).toMatch(/^"web" is neither a lead action/);
  });

  it('lets a person be away for round-robin routes, until a date or until back', async () => {
    const awayOn = async (): Promise<string[]> => [...(await rig.t.app.storage.away.awayOn(new Date().toISOString().slice(0, 10))).entries()].map(([who, until]) => `${who} ${until}`);
    expect(await ask(rig.chats.channel, 'away')).toBe('Type this in your own chat with me: it is about you.');
    expect(await ask(rig.chats.personal, 'away until 2020-01-01')).toBe('2020-01-01 has passed: give your last day away, today or later.');
    expect(await ask(rig.chats.personal, 'away until Friday')).toBe('"Friday" is not a date: write it as YYYY-MM-DD, like 2026-12-24.');
    expect(await ask(rig.chats.personal, 'away for a week')).toBe('Type **away**, or **away until** a date such as 2026-12-24 (your last day away).');
    expect(await awayOn()).toEqual([]);
    expect(await ask(rig.chats.personal, 'away until 2099-12-24')).toBe('Noted: round-robin routes skip you until the end of 2099-12-24 (UTC). Leads sent to everyone still reach you.');
    expect(await awayOn()).toEqual(['alexw@example.com 2099-12-24']);
    expect(await ask(rig.chats.personal, 'away')).toBe('Noted: round-robin routes skip you until you type **back**. Leads sent to everyone still reach you.');
    expect(await awayOn()).toEqual(['alexw@example.com ']);
    expect(await ask(rig.chats.personal, 'back')).toBe('Welcome back: round-robin routes give you leads in turn again.');
    expect(await awayOn()).toEqual([]);
    // Offered where they work: in a personal chat, not in a channel's help.
    expect(cardOf(await rig.playground.ask(rig.chats.personal, 'help'))).toContain('"text":"away [until YYYY-MM-DD]"');
    expect(cardOf(await rig.playground.ask(rig.chats.channel, 'help'))).not.toContain('"text":"away');
  });

  it('answers route alone, or an unknown verb, with how to use it', async () => {
    expect(await ask(rig.chats.personal, 'route')).toMatch(/^\*\*route list\*\*: the routes/);
    expect(await ask(rig.chats.personal, 'route frobnicate')).toMatch(/^I don't know \*\*route frobnicate\*\*\. \*\*route list\*\*/);
    expect(cardOf(await rig.playground.ask(rig.chats.personal, 'help'))).toContain('"text":"route list | add | remove | test"');
  });

  it('answers route and subscribe offer in Korean where the chat chose Korean', async () => {
    await ask(rig.chats.personal, 'subscribe ko');
    await ask(rig.chats.group, 'subscribe ko');
    expect(await ask(rig.chats.personal, '경로 test contoso.contoso-sales-insights GB contact-me appsource')).toBe(
      'GB에서 온 `contoso.contoso-sales-insights` 리드 (contact-me, appsource):\n\n**insights** 경로가 가져가요 → alexw@example.com (Teams)',
    );
    expect(await ask(rig.chats.personal, '경로 test contoso.contoso-vm GB')).toContain('- insights: 해당 없음(offers)');
    expect(await ask(rig.chats.personal, '경로 test contoso.contoso-sales-insights GB')).toContain('- insights: 해당 없음(actions: 확인하려면 액션을 입력하세요)');
    expect(await ask(rig.chats.personal, '경로 remove insights')).toBe('경로 파일(LEAD_ROUTES_FILE)에 있는 경로예요: **insights**. 삭제하려면 파일을 고치고 봇을 다시 시작하세요.');
    expect(await ask(rig.chats.group, '구독 offer contoso.contoso-vm*')).toMatch(/^완료했어요\. 이제 이 채팅은 제품 `contoso\.contoso-vm\*`의 리드만 받아요: \*\*contoso-contoso-vm-[0-9a-f]{6}\*\*: offers `contoso\.contoso-vm\*` → 채팅 `.+` \(모두에게 · .+ 님이 \d{4}-\d\d-\d\d에 채팅에서 추가\)\. /);
    const list = await ask(rig.chats.personal, '경로 list');
    expect(list).toMatch(/^\*\*경로\*\* \(이 순서로 시도하고/);
    expect(list).toContain('**insights**: offers `contoso.contoso-sales-insights`; actions `contact-me` → alexw@example.com (모두에게 · 경로 파일)');
    expect(await ask(rig.chats.group, '구독취소')).toMatch(/^완료했어요\. \*\*contoso-contoso-vm-[0-9a-f]{6}\*\* 경로를 지웠어요\./);
    await ask(rig.chats.personal, 'subscribe en');
    await ask(rig.chats.group, 'subscribe en');
  });
});
