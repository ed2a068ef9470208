import { digestCard } from '../../src/cards/digest-card';
import { digestFigures } from '../../src/digest/digest-figures';
import type { Reader } from '../../src/language/language';
import type { LeadHistory } from '../../src/storage/lead-store';
import { cardProblems } from '../support/validate-card';

const TO = new Date('2026-12-02T23:00:00Z');
const FROM = new Date('2026-12-01T23:00:00Z');
const EN: Reader = { language: 'en', timeZone: 'Asia/Seoul' };
const KO: Reader = { language: 'ko', timeZone: 'Asia/Seoul' };

function lead(minutesBefore: number, offerTitle: string, actionCode: string, claim?: { by: string; after: number; touch?: number }): LeadHistory {
  const receivedAt = new Date(TO.getTime() - minutesBefore * 60_000);
  const later = (m: number): string => new Date(receivedAt.getTime() + m * 60_000).toISOString();
  return {
    id: `${offerTitle}-${String(minutesBefore)}`,
    receivedAt: receivedAt.toISOString(),
    isTest: false,
    doNotContact: false,
    source: { raw: '', channel: 'AppSource', actionCode, action: '', offerId: `contoso.${offerTitle.toLowerCase().replace(/[^a-z]+/g, '-')}`, offerTitle },
    routing: undefined,
    claimant: claim === undefined ? undefined : { name: claim.by, at: later(claim.after) },
    contacted: claim?.touch === undefined ? undefined : { by: claim.by, at: later(claim.touch) },
    disqualified: undefined,
  };
}

/** Every piece of text a person would see on the card. */
function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (typeof node !== 'object' || node === null) return [];
  const own = ['text', 'title', 'value'].flatMap((k) => (typeof (node as Record<string, unknown>)[k] === 'string' ? [(node as Record<string, string>)[k] ?? ''] : []));
  return [...own, ...Object.values(node).flatMap(texts)];
}

describe('the daily digest card', () => {
  const figures = digestFigures(
    [
      lead(60, 'Contoso Sales Insights', 'PLT', { by: 'Ana Silva', after: 4, touch: 95 }),
      lead(300, 'Contoso Sales Insights', 'PLT', { by: '', after: 6 }),
      lead(600, '[Hardened](https://evil.example) VM', 'INS'),
    ],
    FROM,
    TO,
  );

  it('says the day in figures, per offer and per seller, in English and Korean, and parses cleanly', () => {
    const en = digestCard(figures, EN);
    expect(cardProblems(en)).toEqual([]);
    const said = texts(en);
    expect(said).toEqual(expect.arrayContaining(['Daily lead digest', '2 Dec 2026, 08:00 KST – 3 Dec 2026, 08:00 KST', '3 (Contact me 2 · Trial 0 · Get it now 1 · Other 0)', '2, median 5 min after arrival', '1, median 1 h 35 min after arrival']));
    expect(said).toEqual(expect.arrayContaining(['1 (the oldest received 2 Dec 2026, 22:00 KST)']));
    // Rows: offers busiest first; a seller Teams gave no name is "a colleague".
    expect(said).toEqual(expect.arrayContaining(['Contoso Sales Insights', 'Ana Silva', 'a colleague', '4 min', '1 h 35 min', '—']));
    const ko = digestCard(figures, KO);
    expect(cardProblems(ko)).toEqual([]);
    expect(texts(ko)).toEqual(expect.arrayContaining(['리드 일일 요약', '3 (연락 요청 2 · 체험 0 · 지금 받기 1 · 기타 0)', '2건, 도착 후 중앙값 5분', '1건 (가장 오래된 리드: 2026년 12월 2일 오후 10:00 (KST) 도착)']));
  });

  it('shows an offer title as plain text, never as a link', () => {
    const json = JSON.stringify(digestCard(figures, EN));
    expect(json).toContain('{"type":"TextRun","text":"[Hardened](https://evil.example) VM"}');
    expect(json).not.toContain('"url":"https://evil.example');
  });

  it('says "none" on a quiet day, with no tables', () => {
    const quiet = digestCard(digestFigures([], FROM, TO), EN);
    expect(cardProblems(quiet)).toEqual([]);
    expect(texts(quiet)).not.toContain('Offer');
    expect(texts(quiet).filter((t) => t === 'none')).toHaveLength(4);
  });
});
