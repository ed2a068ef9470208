import { catchUpCard } from '../../src/cards/catch-up-card';
import { waitingCard, type WaitingLeads } from '../../src/cards/waiting-card';
import type { Lead } from '../../src/leads/lead';
import { cardProblems } from '../support/validate-card';
import type { Reader } from '../../src/language/language';

const EN: Reader = { language: 'en', timeZone: 'UTC' };

/** Every piece of text a person would see on the card, and the data its buttons send. */
function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (typeof node !== 'object' || node === null) return [];
  const own = ['text', 'title', 'value'].flatMap((k) => (typeof (node as Record<string, unknown>)[k] === 'string' ? [(node as Record<string, string>)[k] ?? ''] : []));
  return [...own, ...Object.values(node).flatMap(texts)];
}

const DOWN: WaitingLeads = {
  waiting: 3,
  oldestSince: '2026-11-20T09:14:03.512Z',
  deadLettered: 0,
  code: 'DYNAMICS_UNAVAILABLE',
  message: 'Dynamics is not answering properly (5xx or connection failure).',
  fix: 'Nothing to do unless it lasts.',
};

describe("the admins' card when leads wait for Dynamics", () => {
  it('says how many wait and since when, the error code, the message and the fix', () => {
    const card = waitingCard(DOWN, EN);
    expect(cardProblems(card)).toEqual([]);
    expect(card.fallbackText).toBe('Leads are waiting for Dynamics: Dynamics is not answering properly (5xx or connection failure).');
    expect(texts(card.body)).toEqual(
      expect.arrayContaining(['Leads are waiting for Dynamics', DOWN.message, 'Fix: ', DOWN.fix, 'Waiting over 15 min', '3 lead(s), the oldest since 20 Nov 2026, 09:14 UTC', 'Error code', 'DYNAMICS_UNAVAILABLE']),
    );
    expect(texts(card.body)).not.toContain('Dead-lettered');
    // Only the facts that apply, none empty.
    const facts = JSON.stringify(card.body).match(/"facts":(\[[^\]]*\])/)?.[1];
    expect(JSON.parse(facts ?? '[]')).toEqual([
      { title: 'Waiting over 15 min', value: '3 lead(s), the oldest since 20 Nov 2026, 09:14 UTC' },
      { title: 'Error code', value: 'DYNAMICS_UNAVAILABLE' },
    ]);
    expect(texts(card.actions)).toEqual(['Run validate', 'Run validate']);
  });

  it('counts dead-lettered leads and offers to retry them', () => {
    const card = waitingCard({ ...DOWN, waiting: 0, oldestSince: undefined, deadLettered: 2, code: 'DYNAMICS_LEAD_REJECTED', message: 'Dynamics rejected the lead.' }, EN);
    expect(cardProblems(card)).toEqual([]);
    expect(texts(card.body)).toEqual(expect.arrayContaining(['Leads could not be written to Dynamics', 'Dead-lettered', '2 lead(s)']));
    expect(texts(card.body)).not.toContain('Waiting over 15 min');
    expect(texts(card.actions)).toContain('Retry dead-lettered leads');
  });

  it('names leads given up for a reason other than Dynamics as not finished', () => {
    const card = waitingCard({ ...DOWN, waiting: 0, oldestSince: undefined, deadLettered: 1, code: 'LEAD_NOT_FINISHED', message: 'Tried 12 times.', fix: '' }, EN);
    expect(texts(card.body)).toEqual(expect.arrayContaining(['Leads could not be finished', 'Error code', 'LEAD_NOT_FINISHED']));
    expect(texts(card.body)).not.toContain('Fix: ');
  });

  it('reads in Korean for a Korean admin, times in the team\'s zone, the code as it is', () => {
    const card = waitingCard({ ...DOWN, deadLettered: 1 }, { language: 'ko', timeZone: 'Asia/Seoul' });
    expect(cardProblems(card)).toEqual([]);
    expect(texts(card.body)).toEqual(expect.arrayContaining(['리드가 Dynamics를 기다리고 있어요', '해결 방법: ', '15분 넘게 기다림', '리드 3건, 가장 오래된 리드는 2026년 11월 20일 오후 6:14 (KST)부터', '처리하지 못함', '오류 코드', 'DYNAMICS_UNAVAILABLE']));
    expect(texts(card.actions)).toEqual(expect.arrayContaining(['처리하지 못한 리드 다시 시도', '검증 실행']));
  });

  it('shows no error code when there is none', () => {
    const card = waitingCard({ ...DOWN, code: '' }, EN);
    expect(texts(card.body)).not.toContain('Error code');
    expect(cardProblems(card)).toEqual([]);
  });
});

const lead = (id: string, customer: Partial<Lead['customer']>, receivedAt: string): Lead => ({
  id,
  origin: 'https',
  receivedAt,
  customer: { firstName: '', lastName: '', email: '', phone: '', country: '', company: '', title: '', ...customer },
  source: { raw: 'AppSource-PLT|contoso.sales', channel: 'AppSource', actionCode: 'PLT', action: 'Contact me', offerId: 'contoso.sales', offerTitle: 'Contoso Sales' },
  description: '',
  isTest: false,
  doNotContact: false,
});

describe('the catch-up card for someone who got the app late', () => {
  const missed = [
    lead('7a327f16-0a0a-87a2-bf94-84a8e5bf6703', { firstName: 'Dana', lastName: 'Whitfield', title: 'CTO', company: 'Fabrikam' }, '2026-11-20T09:14:03.512Z'),
    lead('0f1e2d3c-0a0a-87a2-bf94-84a8e5bf6703', { email: 'buyer@litware.example' }, '2026-11-21T16:02:00.000Z'),
  ];

  it('lists each unclaimed lead with who sent it, when, and a Show button naming the whole list', () => {
    const card = catchUpCard(missed, EN);
    expect(cardProblems(card)).toEqual([]);
    expect(card.fallbackText).toBe('2 leads arrived before you had the app');
    expect(texts(card.body)).toEqual(
      expect.arrayContaining([
        'Contact me — Contoso Sales',
        'Dana Whitfield — CTO, Fabrikam',
        'Received 20 Nov 2026, 09:14 UTC',
        'buyer@litware.example',
        'Received 21 Nov 2026, 16:02 UTC',
      ]),
    );
    const json = JSON.stringify(card);
    const leadIds = missed.map((l) => l.id).join(',');
    for (const { id } of missed) expect(json).toContain(`"data":{"leadId":"${id}","leadIds":"${leadIds}"}`);
    expect(texts(card.body)).not.toContain('Shown below');
  });

  it('marks the leads already shown, with no Show button for them', () => {
    const card = catchUpCard(missed, EN, new Set([missed[0]?.id ?? '']));
    expect(cardProblems(card)).toEqual([]);
    expect(texts(card.body)).toContain('Shown below');
    const json = JSON.stringify(card);
    expect(json).not.toContain(`"leadId":"${missed[0]?.id ?? ''}"`);
    expect(json).toContain(`"leadId":"${missed[1]?.id ?? ''}"`);
  });
});
