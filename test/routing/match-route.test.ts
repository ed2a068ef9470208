import fc from 'fast-check';
import type { LeadDetails } from '../../src/leads/lead';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { covers, firstMatch, matches } from '../../src/routing/match-route';
import type { Route } from '../../src/routing/route';
import { passOn, routeLead } from '../../src/routing/route-lead';
import { fixture } from '../support/fixtures';

const route = (name: string, match: Partial<Pick<Route, 'offers' | 'countries' | 'actions' | 'channels'>>, contacts = [`${name}@contoso.example`]): Route => ({
  name,
  ...match,
  contacts,
  chats: [],
  mode: 'broadcast',
  claimWithinMinutes: 10,
  origin: { kind: 'file' },
});

/** Dana (GB) pressed Contact me on Contoso Sales Insights in AppSource. */
const contactMe = parseHttpsLead(fixture('https-appsource-contact-me'));
/** Kenji (JP) bought Contoso Hardened VM in the Azure portal. */
const portalPurchase = parseHttpsLead(fixture('https-azure-portal-purchase'));
/** The docs' sample: Country "USA", a bare "AzureMarketplace" source naming no offer. */
const docsSample = parseHttpsLead(fixture('https-docs-sample'));

const lead = (source: string, actionCode: string, country = 'KR'): LeadDetails => parseHttpsLead({ UserDetails: { Email: 'a@b.example', Country: country }, LeadSource: source, ActionCode: actionCode });

describe('which route takes a lead', () => {
  it('matches offer ids exactly or by * pattern, whatever the case', () => {
    expect(matches(route('exact', { offers: ['contoso.contoso-sales-insights'] }), contactMe)).toBe(true);
    expect(matches(route('prefix', { offers: ['contoso.contoso-sales*'] }), contactMe)).toBe(true);
    expect(matches(route('middle', { offers: ['contoso.*-insights'] }), contactMe)).toBe(true);
    expect(matches(route('case', { offers: ['Contoso.Contoso-Sales-Insights'] }), contactMe)).toBe(true);
    expect(matches(route('other', { offers: ['contoso.contoso-vm*'] }), contactMe)).toBe(false);
    // The pattern is the whole id: no prefix or suffix match without a *.
    expect(matches(route('part', { offers: ['contoso.contoso-sales'] }), contactMe)).toBe(false);
    // '.' is a dot, not any character.
    expect(matches(route('dot', { offers: ['contoso.contoso-sales-insights'] }), lead('AppSource-PLT|contosoXcontoso-sales-insights', 'PLT'))).toBe(false);
    // A lead naming no offer matches only routes that do not ask for one (or "*").
    expect(matches(route('any', { offers: ['*'] }), docsSample)).toBe(true);
    expect(matches(route('some', { offers: ['contoso.*'] }), docsSample)).toBe(false);
  });

  it('matches the country as ISO 3166 two letters, reading the three-letter form some leads carry', () => {
    expect(matches(route('gb', { countries: ['GB'] }), contactMe)).toBe(true);
    expect(matches(route('us', { countries: ['US'] }), docsSample)).toBe(true);
    expect(matches(route('us', { countries: ['US'] }), contactMe)).toBe(false);
    expect(matches(route('kr', { countries: ['KR'] }), lead('AppSource-PLT|x.y', 'PLT', ' kr '))).toBe(true);
    expect(matches(route('kr', { countries: ['KR'] }), lead('AppSource-PLT|x.y', 'PLT', 'Korea'))).toBe(false);
  });

  it('matches the action: Contact me (PLT), purchase (INS, Create), trial (a test drive)', () => {
    const byAction = (actions: Route['actions']) => route('a', { actions });
    expect(matches(byAction(['contact-me']), contactMe)).toBe(true);
    expect(matches(byAction(['purchase']), contactMe)).toBe(false);
    expect(matches(byAction(['purchase']), portalPurchase)).toBe(true);
    expect(matches(byAction(['purchase']), lead('AzureMarketplace-INS|x.y', 'INS'))).toBe(true);
    expect(matches(byAction(['trial']), lead('TestDrive-StartTestDrive|x.y', 'StartTestDrive'))).toBe(true);
    expect(matches(byAction(['trial']), lead('TestDrive|x.y', ''))).toBe(true);
    // Do not contact is none of them: only a route that does not ask for an action takes it.
    const dnc = parseHttpsLead(fixture('https-do-not-contact'));
    expect(matches(byAction(['contact-me', 'purchase', 'trial']), dnc)).toBe(false);
    expect(matches(route('any', {}), dnc)).toBe(true);
  });

  it('matches the marketplace channel, SPZA being AppSource', () => {
    expect(matches(route('c', { channels: ['appsource'] }), contactMe)).toBe(true);
    expect(matches(route('c', { channels: ['appsource'] }), lead('SPZA-PLT|x.y', 'PLT'))).toBe(true);
    expect(matches(route('c', { channels: ['azure-portal'] }), portalPurchase)).toBe(true);
    expect(matches(route('c', { channels: ['azure-marketplace'] }), docsSample)).toBe(true);
    expect(matches(route('c', { channels: ['azure-marketplace', 'azure-portal'] }), contactMe)).toBe(false);
  });

  it('takes the first route that matches, needing every field it sets', () => {
    const routes = [
      route('insights-korea', { offers: ['contoso.contoso-sales-insights'], countries: ['KR'] }),
      route('insights', { offers: ['contoso.contoso-sales-insights'] }),
      route('portal', { channels: ['azure-portal'], actions: ['purchase'] }),
    ];
    expect(firstMatch(routes, contactMe)?.name).toBe('insights');
    expect(firstMatch(routes, parseHttpsLead(fixture('https-korean-contact')))?.name).toBe('insights-korea');
    expect(firstMatch(routes, portalPurchase)?.name).toBe('portal');
    expect(firstMatch(routes, docsSample)).toBeUndefined();
  });

  it('falls back to LEAD_CONTACTS, and to the admins when that is empty', async () => {
    const routes = [route('vm', { offers: ['contoso.contoso-vm*'] })];
    const route_ = (l: LeadDetails, contacts: string[]) => routeLead(l, routes, contacts, () => Promise.resolve(undefined), new Date());
    expect(await route_(portalPurchase, ['sales@contoso.example'])).toEqual({ kind: 'route', route: 'vm', contacts: ['vm@contoso.example'], chats: [] });
    expect(await route_(contactMe, ['sales@contoso.example'])).toEqual({ kind: 'contacts', contacts: ['sales@contoso.example'] });
    expect(await route_(contactMe, [])).toEqual({ kind: 'no-route' });
  });
});

describe('a route that can never match', () => {
  it('is one whose every field an earlier route covers', () => {
    const all = route('all', {});
    const korea = route('korea', { countries: ['KR'] });
    expect(covers(all, korea)).toBe(true);
    expect(covers(korea, all)).toBe(false);
    expect(covers(route('p', { offers: ['contoso.*'] }), route('q', { offers: ['contoso.sales*', 'contoso.vm'] }))).toBe(true);
    expect(covers(route('p', { offers: ['contoso.sales*'] }), route('q', { offers: ['contoso.*'] }))).toBe(false);
    expect(covers(route('p', { offers: ['*insights'] }), route('q', { offers: ['contoso.*insights'] }))).toBe(true);
    expect(covers(route('p', { countries: ['KR', 'JP'] }), route('q', { countries: ['KR'], actions: ['trial'] }))).toBe(true);
    expect(covers(route('p', { countries: ['KR'] }), route('q', { countries: ['KR', 'JP'] }))).toBe(false);
  });

  it('is never claimed wrongly: whenever a route covers another, every lead the later one matches, the earlier one matches too', () => {
    const offerWord = fc.constantFrom('contoso', 'sales', 'insights', 'vm', 'a', '');
    const offerId = fc.array(offerWord, { minLength: 1, maxLength: 3 }).map((w) => w.join('.'));
    const pattern = fc.array(fc.oneof(offerWord, fc.constant('*'), fc.constant('.')), { minLength: 1, maxLength: 5 }).map((p) => p.join('') || '*');
    const some = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.array(arb, { minLength: 1, maxLength: 3 }), { nil: undefined });
    const routeArb = fc
      .record({
        offers: some(pattern),
        countries: some(fc.constantFrom('KR', 'JP', 'US')),
        actions: some(fc.constantFrom('contact-me' as const, 'purchase' as const, 'trial' as const)),
        channels: some(fc.constantFrom('appsource' as const, 'azure-portal' as const)),
      })
      .map((m) => route('r', Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined))));
    const leadArb = fc
      .record({ offer: offerId, country: fc.constantFrom('KR', 'JP', 'US', ''), code: fc.constantFrom('PLT', 'INS', 'StartTestDrive', 'DNC'), source: fc.constantFrom('AppSource', 'AzurePortal', 'AzureMarketplace') })
      .map(({ offer, country, code, source }) => lead(`${source}-${code}|${offer}`, code, country));
    fc.assert(
      fc.property(routeArb, routeArb, fc.array(leadArb, { minLength: 1, maxLength: 20 }), (earlier, later, leads) => {
        if (!covers(earlier, later)) return;
        for (const l of leads) if (matches(later, l)) expect(matches(earlier, l)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a round-robin lead', () => {
  const rr: Route = { ...route('korea', { countries: ['KR'] }, ['a@contoso.example', 'b@contoso.example', 'c@contoso.example']), chats: ['19:k@thread.tacv2'], mode: 'round-robin', claimWithinMinutes: 5 };
  const korean = parseHttpsLead(fixture('https-korean-contact'));
  const at = new Date('2026-12-01T09:00:00Z');
  const minutes = (n: number): Date => new Date(at.getTime() + n * 60_000);

  it('goes to the contact whose turn it is, with five minutes to claim; to everyone when all are away', async () => {
    expect(await routeLead(korean, [rr], [], () => Promise.resolve('b@contoso.example'), at)).toEqual({
      kind: 'route',
      route: 'korea',
      contacts: ['b@contoso.example'],
      chats: [],
      turn: { order: rr.contacts, chats: rr.chats, claimWithinMinutes: 5, until: '2026-12-01T09:05:00.000Z', everyone: false },
    });
    expect(await routeLead(korean, [rr], [], () => Promise.resolve(undefined), at)).toMatchObject({ contacts: rr.contacts, chats: rr.chats, turn: { everyone: true, until: undefined } });
  });

  it('passes to the next contact not away once the time is up, then to everyone, then no more', async () => {
    const first = await routeLead(korean, [rr], [], () => Promise.resolve('b@contoso.example'), at);
    const nobodyAway = (): boolean => false;
    expect(passOn(first, nobodyAway, minutes(4))).toBe('unchanged');
    const second = passOn(first, (c) => c === 'c@contoso.example', minutes(5));
    expect(second).toMatchObject({ contacts: ['b@contoso.example', 'a@contoso.example'], chats: [], turn: { until: '2026-12-01T09:10:00.000Z' } });
    if (typeof second === 'string') throw new Error('passed on');
    const third = passOn(second, nobodyAway, minutes(10));
    expect(third).toMatchObject({ contacts: ['b@contoso.example', 'a@contoso.example', 'c@contoso.example'] });
    if (typeof third === 'string') throw new Error('passed on');
    const all = passOn(third, nobodyAway, minutes(15));
    expect(all).toMatchObject({ contacts: rr.contacts, chats: rr.chats, turn: { everyone: true, until: undefined } });
    if (typeof all === 'string') throw new Error('passed on');
    expect(passOn(all, nobodyAway, minutes(60))).toBe('stop');
  });

  it('stays with its first contact when the customer asked not to be contacted, and a broadcast lead never passes', async () => {
    const dnc = { ...korean, doNotContact: true };
    const held = await routeLead(dnc, [rr], [], () => Promise.resolve('a@contoso.example'), at);
    expect(held).toMatchObject({ contacts: ['a@contoso.example'], turn: { until: undefined } });
    expect(passOn(held, () => false, minutes(60))).toBe('stop');
    expect(passOn(await routeLead(korean, [{ ...rr, mode: 'broadcast' }], [], () => Promise.resolve('a@contoso.example'), at), () => false, minutes(60))).toBe('stop');
  });
});
