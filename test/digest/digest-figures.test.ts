import { digestFigures } from '../../src/digest/digest-figures';
import type { LeadHistory } from '../../src/storage/lead-store';

const TO = new Date('2026-12-02T23:00:00Z'); // 08:00 in Seoul
const FROM = new Date('2026-12-01T23:00:00Z');
const at = (hoursBefore: number, plusMinutes = 0): string => new Date(TO.getTime() - hoursBefore * 3_600_000 + plusMinutes * 60_000).toISOString();

let n = 0;
/** A lead received `hoursBefore` the digest, of an offer and action, claimed and touched after so many minutes. */
function lead(hoursBefore: number, offer: string, actionCode: string, done: { by?: string; byId?: string; claimAfter?: number; touchAfter?: number; disqualified?: boolean; test?: boolean; dnc?: boolean; ownDomain?: boolean } = {}): LeadHistory {
  const receivedAt = at(hoursBefore);
  n++;
  return {
    id: `lead-${String(n)}`,
    receivedAt,
    isTest: done.test === true,
    doNotContact: done.dnc === true,
    source: { raw: '', channel: 'AppSource', actionCode, action: '', offerId: `contoso.${offer.toLowerCase()}`, offerTitle: offer },
    routing: done.ownDomain === true ? { kind: 'own-domain', domain: 'contoso.com' } : { kind: 'contacts', contacts: [] },
    claimant: done.claimAfter === undefined ? undefined : { name: done.by ?? '', at: at(hoursBefore, done.claimAfter), ...(done.byId === undefined ? {} : { aadObjectId: done.byId, email: `${done.byId}@contoso.com` }) },
    contacted: done.touchAfter === undefined ? undefined : { by: done.by ?? '', at: at(hoursBefore, done.touchAfter) },
    disqualified: done.disqualified === true ? { by: 'Ana', at: at(hoursBefore, 60), reason: 6 } : undefined,
  };
}

describe("the daily digest's figures, from a seeded history", () => {
  const history = [
    lead(2, 'Insights', 'PLT', { by: 'Ana', claimAfter: 3, touchAfter: 20 }),
    lead(5, 'Insights', 'PLT', { by: 'Ana', claimAfter: 7, touchAfter: 60 }),
    lead(9, 'Insights', 'StartTestDrive', { by: 'Jimin', claimAfter: 1 }),
    lead(20, 'Hardened VM', 'Create', { by: 'Jimin', claimAfter: 125, touchAfter: 200 }),
    lead(23, 'Hardened VM', 'INS'),
    lead(1, 'Hardened VM', 'DNC', { dnc: true }),
    lead(3, 'Insights', 'PLT', { disqualified: true }),
    // Not the sales team's: never counted.
    lead(4, 'Insights', 'PLT', { test: true }),
    lead(4, 'Insights', 'PLT', { ownDomain: true }),
    // Before the 24 hours: in the backlog only, while nobody has it.
    lead(30, 'Insights', 'PLT'),
    lead(50, 'Insights', 'PLT', { by: 'Ana', claimAfter: 600 }),
    // Past the backlog's 7 days.
    lead(24 * 8, 'Insights', 'PLT'),
    // After the digest's hour (an instance sending late): the next day's.
    lead(-1, 'Insights', 'PLT'),
  ];
  const figures = digestFigures(history, FROM, TO);

  it('counts the day\'s leads per action, and per offer busiest first', () => {
    expect(figures.from).toBe('2026-12-01T23:00:00.000Z');
    expect(figures.received).toBe(7);
    expect(figures.actions).toEqual({ 'contact-me': 3, trial: 1, purchase: 2, other: 1 });
    expect(figures.offers.map((o) => [o.offer, o.received])).toEqual([
      ['Insights', 4],
      ['Hardened VM', 3],
    ]);
  });

  it('takes the median time from arrival to claim and to first touch, overall, per offer and per seller', () => {
    // Claims after 1, 3, 7 and 125 min: the median of four is the mean of the middle two.
    expect(figures.toClaim).toEqual({ count: 4, medianMinutes: 5 });
    expect(figures.toFirstTouch).toEqual({ count: 3, medianMinutes: 60 });
    expect(figures.offers.find((o) => o.offer === 'Insights')?.toClaim).toEqual({ count: 3, medianMinutes: 3 });
    expect(figures.offers.find((o) => o.offer === 'Hardened VM')?.toFirstTouch).toEqual({ count: 1, medianMinutes: 200 });
    expect(figures.sellers).toEqual([
      { seller: 'Ana', toClaim: { count: 2, medianMinutes: 5 }, toFirstTouch: { count: 2, medianMinutes: 40 } },
      { seller: 'Jimin', toClaim: { count: 2, medianMinutes: 63 }, toFirstTouch: { count: 1, medianMinutes: 200 } },
    ]);
  });

  it('keeps two sellers of one name apart by who they are (their Entra id), names them with their address, and counts a claim from a lead mail as its sender\'s', () => {
    const twins = digestFigures(
      [
        lead(2, 'Insights', 'PLT', { by: 'Kim Min-jun', byId: 'kim.a', claimAfter: 2 }),
        lead(3, 'Insights', 'PLT', { by: 'Kim Min-jun', byId: 'kim.b', claimAfter: 10 }),
        lead(4, 'Insights', 'PLT', { by: 'Kim Min-jun', byId: 'KIM.B', claimAfter: 20 }),
        lead(5, 'Insights', 'PLT', { by: 'Ana', byId: 'ana', claimAfter: 1 }),
        // Ana again, from a lead mail: only her address, which stands as her name.
        { ...lead(6, 'Insights', 'PLT'), claimant: { name: 'ana@contoso.com', email: 'ana@contoso.com', at: at(6, 5) } },
        // Someone who only ever claimed by mail.
        { ...lead(7, 'Insights', 'PLT'), claimant: { name: 'max@fabrikam.example', email: 'max@fabrikam.example', at: at(7, 30) } },
      ],
      FROM,
      TO,
    );
    expect(twins.sellers.map((s) => [s.seller, s.toClaim])).toEqual([
      ['Ana', { count: 2, medianMinutes: 3 }],
      ['Kim Min-jun (kim.b@contoso.com)', { count: 2, medianMinutes: 15 }],
      ['Kim Min-jun (kim.a@contoso.com)', { count: 1, medianMinutes: 2 }],
      ['max@fabrikam.example', { count: 1, medianMinutes: 30 }],
    ]);
  });

  it('counts as the backlog the last 7 days\' leads nobody has claimed or disqualified, but do-not-contact ones, with the oldest', () => {
    expect(figures.backlog).toEqual({ count: 2, oldest: at(30) });
  });

  it('has nothing to say of a quiet day', () => {
    expect(digestFigures([], FROM, TO)).toMatchObject({ received: 0, toClaim: { count: 0, medianMinutes: undefined }, offers: [], sellers: [], backlog: { count: 0, oldest: undefined } });
  });
});
