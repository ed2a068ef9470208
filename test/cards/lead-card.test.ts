import type { OwnerStanding } from '../../src/storage/lead-store';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clip, leadCard, type DynamicsStanding } from '../../src/cards/lead-card';
import type { Reader } from '../../src/language/language';
import type { Lead } from '../../src/leads/lead';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixture, httpsFixtureNames } from '../support/fixtures';
import { cardProblems } from '../support/validate-card';

const ID = '7a327f16-0a0a-87a2-bf94-84a8e5bf6703';
const RECORD = `https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=${ID}`;
const WRITTEN: DynamicsStanding = { state: 'written', url: RECORD };
const EN: Reader = { language: 'en', timeZone: 'UTC' };
const KO: Reader = { language: 'ko', timeZone: 'Asia/Seoul' };
const lead = (payload: unknown): Lead => ({ ...parseHttpsLead(payload), id: ID, origin: 'https', receivedAt: '2026-11-20T09:14:03.512Z' });

/** Every piece of text a person would see on the card. */
function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (typeof node !== 'object' || node === null) return [];
  const own = ['text', 'title', 'url'].flatMap((k) => (typeof (node as Record<string, unknown>)[k] === 'string' ? [(node as Record<string, string>)[k] ?? ''] : []));
  return [...own, ...Object.values(node).flatMap(texts)];
}

describe('the lead card', () => {
  it('matches the golden card for the "Contact me" lead', () => {
    const golden = JSON.parse(readFileSync(join(__dirname, 'golden', 'lead-card-contact-me.json'), 'utf8')) as unknown;
    expect(leadCard({ lead: lead(fixture('https-appsource-contact-me')), dynamics: WRITTEN }, EN)).toEqual(golden);
  });

  it.each(httpsFixtureNames())('parses without warnings in the Adaptive Cards object model, in English and Korean, and leaves no ${…}: %s', (name) => {
    const standings: DynamicsStanding[] = [WRITTEN, { state: 'pending', reason: 'transient' }, { state: 'failed', reason: 'rejected' }];
    for (const reader of [EN, KO]) {
      for (const claimedBy of [undefined, 'Ana Silva']) {
        for (const dynamics of standings) {
          const card = leadCard({ lead: lead(fixture(name)), dynamics, ...(claimedBy ? { claimedBy } : {}) }, reader);
          expect(cardProblems(card)).toEqual([]);
          expect(card.version).toBe('1.5');
          expect(JSON.stringify(card)).not.toContain('${');
        }
      }
    }
  });

  it('says where the lead stands in Dynamics, with the record only once it is there', () => {
    const contactMe = lead(fixture('https-appsource-contact-me'));
    const written = leadCard({ lead: contactMe, dynamics: WRITTEN }, EN);
    expect(texts(written)).toContain('In Dynamics');
    expect(texts(written.actions)).toContain('Open in Dynamics');
    const pending = leadCard({ lead: contactMe, dynamics: { state: 'pending', reason: 'transient' } }, EN);
    expect(texts(pending)).toContain('Not in Dynamics yet — Dynamics is not answering right now; the bot keeps trying.');
    expect(texts(pending.actions)).not.toContain('Open in Dynamics');
    expect(texts(pending.actions)).toContain('Claim');
    const failed = leadCard({ lead: contactMe, dynamics: { state: 'failed', reason: 'rejected' } }, EN);
    expect(texts(failed)).toContain('Not in Dynamics — Dynamics refused this lead; an admin can see why in `status` and retry it.');
    expect(texts(failed.actions)).not.toContain('Open in Dynamics');
  });

  it('reads in Korean for a Korean reader, times in the team\'s zone, the lead\'s own values as they came', () => {
    const card = leadCard({ lead: { ...lead(fixture('https-appsource-contact-me')), claimedBy: 'Ana Silva' }, dynamics: { state: 'pending', reason: 'writing' } }, KO);
    const shown = texts(card);
    expect(shown).toEqual(expect.arrayContaining(['연락 요청 — Contoso Sales Insights', 'Dana Whitfield', '이메일', '받은 시각', '2026년 11월 20일 오후 6:14 (KST)', '아직 Dynamics에 없음 — 지금 등록하는 중이에요.', '담당: ', 'Ana Silva']));
    expect(card.fallbackText).toBe('새 마켓플레이스 리드: 연락 요청 — Contoso Sales Insights');
    expect(texts(card.actions)).toContain('이메일 보내기');
  });

  it('keeps untrusted text plain: markdown and links from a lead never render', () => {
    const evil = lead({
      UserDetails: { FirstName: '[Click](https://evil.example)', LastName: '**Boss**', Company: '<b>Acme</b>', Email: 'x@y.example)[a](https://evil.example' },
      OfferTitle: '![img](https://evil.example/p.png)',
      Description: 'Visit https://evil.example now _please_',
    });
    const card = leadCard({ lead: evil, dynamics: { state: 'written', url: 'https://evil.example/main.aspx?pagetype=entityrecord&etn=lead&id=x' } }, EN);
    const json = JSON.stringify(card);
    // Each untrusted value sits in a TextRun (no markdown), never in a TextBlock or FactSet.
    const textBlocks = json.match(/"type":"TextBlock","text":"[^"]*"/g) ?? [];
    expect(textBlocks.join()).not.toMatch(/evil|Boss|Acme|Click/);
    expect(json).not.toContain('FactSet');
    expect(json).toContain('[Click](https://evil.example) **Boss**');
    // No link is built from a malformed address or a foreign URL.
    const urls = texts(card.actions);
    expect(urls.filter((u) => u.includes('evil'))).toEqual([]);
    expect(urls).not.toContain('Open in Dynamics');
    expect(urls).not.toContain('E-mail');
  });

  it('marks a test lead as such, with nothing to claim', () => {
    const card = JSON.stringify(leadCard({ lead: lead(fixture('https-partner-center-test-lead')), dynamics: WRITTEN }, EN));
    expect(card).toContain('Test lead: sent by Partner Center');
    expect(card).not.toContain('"verb":"claimLead"');
    expect(JSON.stringify(leadCard({ lead: lead(fixture('https-appsource-contact-me')), dynamics: WRITTEN }, EN))).not.toContain('Test lead');
  });

  it('shows what is missing as nothing, not as placeholders', () => {
    const card = leadCard({ lead: lead(fixture('https-blank-fields')), dynamics: { state: 'pending', reason: 'writing' } }, EN);
    expect(texts(card)).toEqual(expect.arrayContaining(['Test drive started — Contoso Analytics', 'procurement@northwind.example']));
    expect(JSON.stringify(card)).not.toMatch(/\$\{|undefined|null/);
    expect(texts(card.actions)).not.toContain('Open in Dynamics');
  });

  it('reads naturally when parts of the lead are missing', () => {
    const facts = (card: Record<string, unknown>): string[] => texts(card.body).filter((t) => ['E-mail', 'Phone', 'Country', 'Offer', 'Source', 'Received'].includes(t));
    const pending: DynamicsStanding = { state: 'pending', reason: 'writing' };

    // Only an e-mail address: it names the customer; no empty facts, no dangling separators.
    const emailOnly = leadCard({ lead: lead(fixture('https-blank-fields')), dynamics: pending }, EN);
    expect(texts(emailOnly.body)).toEqual(expect.arrayContaining(['procurement@northwind.example', 'Offer', 'Contoso Analytics (contoso.contoso-analytics)']));
    expect(texts(emailOnly.body)[texts(emailOnly.body).indexOf('Test drive started — Contoso Analytics') + 1]).toBe('procurement@northwind.example');
    expect(facts(emailOnly)).toEqual(['E-mail', 'Offer', 'Source', 'Received']);

    // Nothing at all: still a card a seller can read.
    const nothing = leadCard({ lead: lead({ LeadSource: 'free text from an old test lead' }), dynamics: pending }, EN);
    expect(texts(nothing.body)).toEqual(expect.arrayContaining(['New lead — a marketplace offer', 'No name given', 'a marketplace offer']));
    expect(facts(nothing)).toEqual(['Offer', 'Received']);

    // A last name and a title only; an offer title with no offer id; a channel with no action code.
    const partial = leadCard({ lead: lead({ UserDetails: { LastName: 'Lee', Title: 'CTO' }, LeadSource: 'AzureMarketplace', OfferTitle: 'Contoso VM' }), dynamics: pending }, EN);
    expect(texts(partial.body)).toEqual(expect.arrayContaining(['New lead — Contoso VM', 'Lee', 'CTO', 'Contoso VM', 'AzureMarketplace']));
    expect(texts(partial.body)).not.toContain(' Lee');
    expect(facts(partial)).toEqual(['Offer', 'Source', 'Received']);
  });

  it('colours the Dynamics line by where the lead stands', () => {
    const colour = (dynamics: DynamicsStanding): unknown => {
      const json = JSON.stringify(leadCard({ lead: lead(fixture('https-appsource-contact-me')), dynamics }, EN));
      return /"text":"(?:In Dynamics|Not in Dynamics[^"]*)"[^}]*"color":"(\w+)"/.exec(json)?.[1];
    };
    expect(colour(WRITTEN)).toBe('Good');
    expect(colour({ state: 'pending', reason: 'writing' })).toBe('Warning');
    expect(colour({ state: 'failed', reason: 'rejected' })).toBe('Attention');
  });

  it('marks a do-not-contact lead and offers no e-mail link for it', () => {
    const card = leadCard({ lead: lead(fixture('https-do-not-contact')), dynamics: WRITTEN }, EN);
    expect(texts(card)).toContain('Do not contact: the customer asked not to be contacted.');
    expect(texts(card.actions)).not.toContain('E-mail');
  });

  it('never lets an address the customer typed add headers or a body to the seller\'s mail', () => {
    const real = fixture('https-appsource-contact-me') as { UserDetails: Record<string, string> };
    const mailto = (email: string): string | undefined =>
      texts(leadCard({ lead: lead({ ...real, UserDetails: { ...real.UserDetails, Email: email } }), dynamics: WRITTEN }, EN)).find((t) => t.startsWith('mailto:'));
    expect(mailto('dana.whitfield@fabrikam.example')).toBe('mailto:dana.whitfield@fabrikam.example');
    expect(mailto('x?cc=boss&subject=Deal#1%20=y@fabrikam.example')).toBe('mailto:x%3Fcc%3Dboss%26subject%3DDeal%231%2520%3Dy@fabrikam.example');
    for (const email of ['a?body=hi@x.example', 'a&cc=b@x.example', 'a%3Fcc=b@x.example', 'a#b@x.example', 'a=b@x.example']) {
      const link = mailto(email) ?? '';
      expect(link.slice('mailto:'.length)).not.toMatch(/[?&#=]/);
      // The client decodes it back to exactly what the customer typed.
      expect(decodeURIComponent(link.slice('mailto:'.length))).toBe(email);
    }
  });

  it('stays within what Teams accepts, however long the lead: long text is cut with "…" on the card only', () => {
    const long = (n: number, c: string): string => c.repeat(n);
    const big = lead({
      UserDetails: { FirstName: long(30_000, 'A'), LastName: long(30_000, 'B'), Email: 'dana@fabrikam.example', Company: long(30_000, '회'), Title: long(30_000, 'T') },
      OfferTitle: long(30_000, 'O'),
      Description: long(30_000, '요'),
    });
    const card = leadCard({ lead: big, dynamics: WRITTEN }, EN);
    // Teams refuses a message over about 28 KB.
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(24 * 1024);
    const notes = texts(card).find((t) => t.startsWith('요'));
    expect(notes?.length).toBe(2_000);
    expect(notes?.endsWith('…')).toBe(true);
    expect(cardProblems(card)).toEqual([]);
    // The lead itself keeps every character, for Dynamics.
    expect(big.description).toHaveLength(30_000);
  });

  it('tells the admins a lead came to them because no route took it', () => {
    const noRoute = leadCard({ lead: { ...lead(fixture('https-appsource-contact-me')), routing: { kind: 'no-route' } }, dynamics: WRITTEN }, EN);
    expect(texts(noRoute).join(' ')).toContain('No route for this lead: no route matches it and LEAD_CONTACTS is empty, so it came to the admins.');
    expect(texts(noRoute)).toContain('Claim');
    expect(cardProblems(noRoute)).toEqual([]);
    const routed = leadCard({ lead: { ...lead(fixture('https-appsource-contact-me')), routing: { kind: 'contacts', contacts: ['a@contoso.example'] } }, dynamics: WRITTEN }, EN);
    expect(texts(routed).join(' ')).not.toContain('No route');
  });

  it('says where an unclaimed round-robin lead is in its turn, and nothing once it is claimed', () => {
    const turn = { order: ['a@contoso.example', 'b@contoso.example'], chats: [], claimWithinMinutes: 7, until: '2026-11-20T09:21:03.512Z', everyone: false };
    const inTurn = { ...lead(fixture('https-korean-contact')), routing: { kind: 'route' as const, route: 'korea', contacts: ['a@contoso.example'], chats: [], turn } };
    expect(texts(leadCard({ lead: inTurn, dynamics: WRITTEN }, EN))).toContain('Offered in turn: unless it is claimed within 7 min, it passes to the next seller.');
    const everyone = { ...inTurn, routing: { ...inTurn.routing, turn: { ...turn, until: undefined, everyone: true } } };
    expect(texts(leadCard({ lead: everyone, dynamics: WRITTEN }, EN))).toContain('Nobody claimed this lead in turn, so everyone on its route has it now.');
    const held = { ...inTurn, routing: { ...inTurn.routing, turn: { ...turn, until: undefined } } };
    const heldTexts = texts(leadCard({ lead: held, dynamics: WRITTEN }, EN)).join(' ');
    expect(heldTexts).not.toContain('in turn');
    const claimed = texts(leadCard({ lead: { ...inTurn, claimedBy: 'Jimin' }, dynamics: WRITTEN }, EN)).join(' ');
    expect(claimed).not.toContain('in turn');
    expect(cardProblems(leadCard({ lead: inTurn, dynamics: WRITTEN }, EN))).toEqual([]);
  });

  it('cuts text only past its limit, by what a reader counts as a character', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect(clip('👩‍👩‍👧abc', 3)).toBe('👩‍👩‍👧a…');
  });

  it('once claimed, says by whom and offers no Claim', () => {
    const card = leadCard({ lead: { ...lead(fixture('https-appsource-contact-me')), claimedBy: 'Ana Silva' }, dynamics: WRITTEN }, EN);
    expect(texts(card)).toEqual(expect.arrayContaining(['Claimed by ', 'Ana Silva']));
    expect(texts(card.actions)).not.toContain('Claim');
    // Someone Teams gave no name is "a colleague" in each reader's words.
    expect(texts(leadCard({ lead: { ...lead(fixture('https-appsource-contact-me')), claimedBy: '' }, dynamics: WRITTEN }, KO))).toContain('동료');
  });

  it('says whether the claimer owns the lead in Dynamics too, and why not', () => {
    const claimed = (owner: OwnerStanding): string[] => texts(leadCard({ lead: { ...lead(fixture('https-appsource-contact-me')), claimedBy: 'Ana Silva', owner }, dynamics: WRITTEN }, EN));
    expect(claimed({ state: 'pending', code: undefined })).toContain('Making them the owner in Dynamics…');
    expect(claimed({ state: 'done', name: 'Ana Silva' })).toContain('Owner in Dynamics: Ana Silva');
    expect(claimed({ state: 'no-user' }).join(' ')).toContain('Dynamics has no user for them');
    expect(claimed({ state: 'pending', code: 'DYNAMICS_UNAVAILABLE' }).join(' ')).toContain('Not the owner in Dynamics yet');
    expect(claimed({ state: 'refused', code: 'DYNAMICS_OWNER_CANNOT_OWN' }).join(' ')).toContain('(DYNAMICS_OWNER_CANNOT_OWN)');
    for (const owner of [{ state: 'no-user' } as const, { state: 'done', name: '김지민' } as const]) {
      expect(cardProblems(leadCard({ lead: { ...lead(fixture('https-appsource-contact-me')), claimedBy: '김지민', owner }, dynamics: WRITTEN }, KO))).toEqual([]);
    }
  });

  it('says what Dynamics knew of the customer, each with its record linked, in the reader\'s words; a link we did not build is dropped', () => {
    const at = (table: string, id: string): string => `https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=${table}&id=${id}`;
    const knownCustomer = {
      contact: { name: 'Dana Whitfield', since: '2025-03-02T20:00:00Z', url: at('contact', '11111111-1111-4111-8111-111111111111') },
      openLead: { name: '[Dana](https://evil.example)', owner: 'Ana Silva', url: at('lead', '22222222-2222-4222-8222-222222222222') },
      account: { name: 'Fabrikam Holdings', url: 'https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=systemuser&id=33333333-3333-4333-8333-333333333333' },
    };
    const known = { ...lead(fixture('https-appsource-contact-me')), knownCustomer };
    const card = leadCard({ lead: known, dynamics: WRITTEN }, EN);
    expect(cardProblems(card)).toEqual([]);
    const all = texts(card);
    expect(all).toEqual(expect.arrayContaining(['Already a contact in Dynamics since 2 Mar 2025: ', 'Dana Whitfield', at('contact', '11111111-1111-4111-8111-111111111111')]));
    // A name from Dynamics is plain text, as the lead's own values are.
    expect(all).toEqual(expect.arrayContaining(['Another open lead of theirs in Dynamics, owned by Ana Silva: ', '[Dana](https://evil.example)']));
    expect(all.join(' ')).not.toContain('Fabrikam Holdings');
    expect(all.join(' ')).not.toContain('etn=systemuser');
    // In Seoul it was already 3 March.
    expect(texts(leadCard({ lead: known, dynamics: WRITTEN }, KO))).toContain('2025년 3월 3일부터 Dynamics에 연락처로 등록된 고객이에요: ');
    // Looked up, nothing known: nothing said.
    expect(texts(leadCard({ lead: { ...known, knownCustomer: {} }, dynamics: WRITTEN }, EN)).join(' ')).not.toContain('in Dynamics since');
  });
});
