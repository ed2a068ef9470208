import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound } from '../storage/storage-errors';

/** What a Claim link in a mail allows: this recipient may claim this lead, until then. */
export interface ClaimGrant {
  readonly leadId: string;
  readonly recipient: string;
  readonly expiresAt: Date;
}

export type ClaimCheck = { readonly grant: ClaimGrant } | { readonly refused: 'malformed' | 'altered' | 'expired' };

/**
 * Signed Claim links: the lead, the recipient and an expiry, with an HMAC over them, so a link
 * works only as it was sent (to that person, for that lead) and only for a while. The key is the
 * bot's own random one (claimKey), known to no one outside its storage: not the intake key, which
 * travels in Partner Center's URL.
 */
export class ClaimTokens {
  constructor(private readonly key: () => Promise<Buffer>) {}

  async issue(grant: ClaimGrant): Promise<string> {
    const payload = Buffer.from(JSON.stringify({ l: grant.leadId, r: grant.recipient, e: grant.expiresAt.getTime() })).toString('base64url');
    return `${payload}.${await this.sign(payload)}`;
  }

  async check(token: string, now: Date): Promise<ClaimCheck> {
    const [payload, signature, ...rest] = token.split('.');
    if (payload === undefined || signature === undefined || rest.length > 0 || !/^[\w-]+$/.test(payload) || !/^[\w-]+$/.test(signature)) return { refused: 'malformed' };
    const expected = Buffer.from(await this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { refused: 'altered' };
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { l?: unknown; r?: unknown; e?: unknown };
    if (typeof fields.l !== 'string' || typeof fields.r !== 'string' || typeof fields.e !== 'number') return { refused: 'malformed' };
    if (fields.e <= now.getTime()) return { refused: 'expired' };
    return { grant: { leadId: fields.l, recipient: fields.r, expiresAt: new Date(fields.e) } };
  }

  private async sign(payload: string): Promise<string> {
    return createHmac('sha256', await this.key()).update(payload).digest('base64url');
  }
}

/**
 * The Claim-link key: 32 random bytes made once, by whichever instance needs it first, and kept
 * in the state table (every instance signs and checks with the same one); read once per process.
 */
export function claimKey(state: TableClient): () => Promise<Buffer> {
  const key = { partitionKey: 'secret', rowKey: 'claim-links' };
  let loaded: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    try {
      return Buffer.from((await state.getEntity<{ value: string }>(key.partitionKey, key.rowKey)).value, 'base64');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const made = randomBytes(32);
    try {
      await state.createEntity({ ...key, value: made.toString('base64') });
      return made;
    } catch (error) {
      if (!isConflict(error)) throw error;
      // Another instance made it first: use theirs.
      return Buffer.from((await state.getEntity<{ value: string }>(key.partitionKey, key.rowKey)).value, 'base64');
    }
  };
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
