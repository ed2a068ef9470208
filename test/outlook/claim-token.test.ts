import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { claimKey, ClaimTokens } from '../../src/outlook/claim-token';
import { expandConnectionString } from '../../src/config/parse-connection-string';
import { uniquePrefix } from '../support/test-app';

describe('Claim links', () => {
  const keyOf = (bytes: Buffer) => (): Promise<Buffer> => Promise.resolve(bytes);
  const tokens = new ClaimTokens(keyOf(randomBytes(32)));
  const now = new Date('2026-12-01T09:00:00Z');
  const grant = { leadId: '7a327f16-0a0a-87a2-bf94-84a8e5bf6703', recipient: 'jimin@woodgrove.example', expiresAt: new Date('2026-12-31T09:00:00Z') };

  it('name the lead and the recipient they were made for, until they expire', async () => {
    const token = await tokens.issue(grant);
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(await tokens.check(token, now)).toEqual({ grant });
    expect(await tokens.check(token, new Date('2026-12-31T09:00:00Z'))).toEqual({ refused: 'expired' });
  });

  it('are refused when any part is changed, made with another key, or cut short', async () => {
    const token = await tokens.issue(grant);
    const [payload = '', signature = ''] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ l: grant.leadId, r: 'mallory@evil.example', e: grant.expiresAt.getTime() })).toString('base64url');
    expect(await tokens.check(`${forged}.${signature}`, now)).toEqual({ refused: 'altered' });
    expect(await tokens.check(`${payload}.${signature.slice(0, -2)}AA`, now)).toEqual({ refused: 'altered' });
    expect(await tokens.check(await new ClaimTokens(keyOf(randomBytes(32))).issue(grant), now)).toEqual({ refused: 'altered' });
    for (const broken of ['', payload, `${payload}.`, `${payload}.${signature}.x`, 'a b.c']) expect(await tokens.check(broken, now)).toEqual({ refused: 'malformed' });
  });

  it('are signed with one random key per deployment, kept in storage and shared by every instance', async () => {
    const connectionString = expandConnectionString(process.env.TEST_STORAGE_CONNECTION_STRING ?? '');
    const state = TableClient.fromConnectionString(connectionString, `${uniquePrefix()}state`, { allowInsecureConnection: true });
    await state.createTable();
    const [a, b] = await Promise.all([claimKey(state)(), claimKey(state)()]);
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(true);
    const first = new ClaimTokens(claimKey(state));
    const second = new ClaimTokens(claimKey(state));
    expect(await second.check(await first.issue(grant), now)).toEqual({ grant });
  });
});
