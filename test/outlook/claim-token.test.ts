import { ClaimTokens } from '../../src/outlook/claim-token';

describe('Claim links', () => {
  const tokens = new ClaimTokens('test-intake-key-0123456789');
  const now = new Date('2026-12-01T09:00:00Z');
  const grant = { leadId: '7a327f16-0a0a-87a2-bf94-84a8e5bf6703', recipient: 'jimin@woodgrove.example', expiresAt: new Date('2026-12-31T09:00:00Z') };

  it('name the lead and the recipient they were made for, until they expire', () => {
    const token = tokens.issue(grant);
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(tokens.check(token, now)).toEqual({ grant });
    expect(tokens.check(token, new Date('2026-12-31T09:00:00Z'))).toEqual({ refused: 'expired' });
  });

  it('are refused when any part is changed, made with another key, or cut short', () => {
    const token = tokens.issue(grant);
    const [payload = '', signature = ''] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ l: grant.leadId, r: 'mallory@evil.example', e: grant.expiresAt.getTime() })).toString('base64url');
    expect(tokens.check(`${forged}.${signature}`, now)).toEqual({ refused: 'altered' });
    expect(tokens.check(`${payload}.${signature.slice(0, -2)}AA`, now)).toEqual({ refused: 'altered' });
    expect(tokens.check(new ClaimTokens('another-intake-key-987654321').issue(grant), now)).toEqual({ refused: 'altered' });
    for (const broken of ['', payload, `${payload}.`, `${payload}.${signature}.x`, 'a b.c']) expect(tokens.check(broken, now)).toEqual({ refused: 'malformed' });
  });
});
