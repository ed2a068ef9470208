import { explainNotFinished, LEAD_NOT_FINISHED, notFinished } from '../../src/pipeline/not-finished';

describe('a lead given up after failures other than Dynamics', () => {
  const stored = notFinished(5, 'Teams answered 502 (TEAMS_UNAVAILABLE)');

  it('is recorded in English, for the log and for storage', () => {
    expect(stored.reason).toBe('Tried 5 times; the last failure: Teams answered 502 (TEAMS_UNAVAILABLE)');
    expect(stored.fix).toMatch(/^Type status to see it/);
  });

  it('reads in Korean for a Korean admin, the last failure as it was recorded', () => {
    const korean = explainNotFinished({ code: LEAD_NOT_FINISHED, message: stored.reason, fix: stored.fix }, 'ko');
    expect(korean?.message).toBe('5번 시도했지만 끝내지 못했어요. 마지막 실패: Teams answered 502 (TEAMS_UNAVAILABLE)');
    expect(korean?.fix).toContain('재시도로 다시 처리해요');
    expect(explainNotFinished({ code: LEAD_NOT_FINISHED, message: stored.reason, fix: stored.fix }, 'en')).toEqual({ message: stored.reason, fix: stored.fix });
  });

  it('leaves any other code, and a reason it cannot read back, to the caller or as stored', () => {
    expect(explainNotFinished({ code: 'DYNAMICS_UNAVAILABLE', message: 'x', fix: 'y' }, 'ko')).toBeUndefined();
    expect(explainNotFinished({ code: LEAD_NOT_FINISHED, message: 'an older wording', fix: 'y' }, 'ko')?.message).toBe('an older wording');
  });
});
