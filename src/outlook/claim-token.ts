import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** What a Claim link in a mail allows: this recipient may claim this lead, until then. */
export interface ClaimGrant {
  readonly leadId: string;
  readonly recipient: string;
  readonly expiresAt: Date;
}

export type ClaimCheck = { readonly grant: ClaimGrant } | { readonly refused: 'malformed' | 'altered' | 'expired' };

/**
 * Signed Claim links: the lead, the recipient and an expiry, with an HMAC over them, so a link
 * works only as it was sent (to that person, for that lead) and only for a while. The key is
 * derived from the intake key, so there is no further secret to deploy; a new intake key ends
 * the links already sent.
 */
export class ClaimTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'marketplace-lead-bot', 'claim-link', 32));
  }

  issue(grant: ClaimGrant): string {
    const payload = Buffer.from(JSON.stringify({ l: grant.leadId, r: grant.recipient, e: grant.expiresAt.getTime() })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  check(token: string, now: Date): ClaimCheck {
    const [payload, signature, ...rest] = token.split('.');
    if (payload === undefined || signature === undefined || rest.length > 0 || !/^[\w-]+$/.test(payload) || !/^[\w-]+$/.test(signature)) return { refused: 'malformed' };
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { refused: 'altered' };
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { l?: unknown; r?: unknown; e?: unknown };
    if (typeof fields.l !== 'string' || typeof fields.r !== 'string' || typeof fields.e !== 'number') return { refused: 'malformed' };
    if (fields.e <= now.getTime()) return { refused: 'expired' };
    return { grant: { leadId: fields.l, recipient: fields.r, expiresAt: new Date(fields.e) } };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
