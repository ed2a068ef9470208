import { checkIntakeKey } from '../../src/intake/check-intake-key';
import { IntakeError } from '../../src/intake/intake-errors';

const KEY = 'test-intake-key-0123456789';

/** The error code the sender would get, or 'accepted'. */
function verdict(fromQuery: string | null, fromHeader: string | undefined): string {
  try {
    checkIntakeKey(KEY, fromQuery, fromHeader);
    return 'accepted';
  } catch (error) {
    if (error instanceof IntakeError) return `${String(error.status)} ${error.code}`;
    throw error;
  }
}

// intake.test.ts checks the same over HTTP; here the cases the route's own handling hides
// (it turns an empty header into no header).
describe('the intake key check', () => {
  it('accepts the key from ?code= or, when that is missing or empty, from the x-lead-key header', () => {
    expect(verdict(KEY, undefined)).toBe('accepted');
    expect(verdict(null, KEY)).toBe('accepted');
    expect(verdict('', KEY)).toBe('accepted');
  });

  it('takes ?code= over the header', () => {
    expect(verdict('not-the-key', KEY)).toBe('401 LEAD_KEY_WRONG');
  });

  it('calls an empty key a missing one, so the answer says how to add it', () => {
    expect(verdict(null, undefined)).toBe('401 LEAD_KEY_MISSING');
    expect(verdict('', undefined)).toBe('401 LEAD_KEY_MISSING');
    expect(verdict(null, '')).toBe('401 LEAD_KEY_MISSING');
    expect(verdict('', '')).toBe('401 LEAD_KEY_MISSING');
  });

  it('refuses with an IntakeError, named so in logs', () => {
    let refused: unknown;
    try {
      checkIntakeKey(KEY, 'wrong', undefined);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ name: 'IntakeError', code: 'LEAD_KEY_WRONG', status: 401 });
  });

  it('refuses any other key, however close', () => {
    expect(verdict(KEY.slice(0, -1), undefined)).toBe('401 LEAD_KEY_WRONG');
    expect(verdict(`${KEY} `, undefined)).toBe('401 LEAD_KEY_WRONG');
    expect(verdict(KEY.toUpperCase(), undefined)).toBe('401 LEAD_KEY_WRONG');
  });
});
