import { DYNAMICS_ERROR_KINDS, dynamicsError, explainDynamicsError, explainRecorded, type DynamicsErrorCode } from '../../src/dynamics/dynamics-error';

describe('a Dynamics failure, in each reader\'s language', () => {
  const expired = dynamicsError('DYNAMICS_SECRET_EXPIRED', 'AADSTS7000222: The provided client secret keys for app are expired.');

  it('is English in the log and in storage, with what the service said appended', () => {
    expect(expired.message).toBe('Sign-in failed: the client secret has expired (AADSTS7000222). AADSTS7000222: The provided client secret keys for app are expired.');
    expect(expired.fix).toMatch(/^In the app registration in the Azure portal .* DYNAMICS_CLIENT_SECRET\. Waiting leads are written/);
  });

  it('reads in Korean for a Korean admin, the service\'s own words left as they came', () => {
    const korean = explainDynamicsError(expired, 'ko');
    expect(korean.message).toBe('로그인 실패: 클라이언트 암호가 만료됐어요(AADSTS7000222). AADSTS7000222: The provided client secret keys for app are expired.');
    expect(korean.fix).toContain('새 클라이언트 암호를 만들고');
    expect(explainDynamicsError(expired, 'en')).toEqual({ message: expired.message, fix: expired.fix });
  });

  it('has both words and a fix for every code, in both languages', () => {
    for (const code of Object.keys(DYNAMICS_ERROR_KINDS) as DynamicsErrorCode[]) {
      for (const language of ['en', 'ko'] as const) {
        const { message, fix } = explainDynamicsError(dynamicsError(code), language);
        expect(message.length).toBeGreaterThan(5);
        expect(fix.length).toBeGreaterThan(5);
        if (language === 'ko') expect(`${message} ${fix}`).toMatch(/[가-힣]/);
      }
    }
  });

  it('reads a failure recorded in English (a dead letter, an incident) in Korean, what the service said kept as it came', () => {
    expect(explainRecorded(expired, 'ko')).toEqual(explainDynamicsError(expired, 'ko'));
    // A message that is not the catalogue's own keeps its words; the fix is still the reader's.
    expect(explainRecorded({ code: 'DYNAMICS_LEAD_REJECTED', message: 'Dataverse said no.', fix: 'x' }, 'ko')).toEqual({ message: 'Dataverse said no.', fix: expect.stringContaining('리드 테이블') });
    // Not a Dynamics code: as recorded.
    expect(explainRecorded({ code: 'LEAD_NOT_FINISHED', message: 'Tried 12 times.', fix: 'Type status.' }, 'ko')).toEqual({ message: 'Tried 12 times.', fix: 'Type status.' });
  });
});

