import { createHash } from 'node:crypto';

/** A GUID in its usual 8-4-4-4-12 hex form (Dataverse ids, Azure AD ids). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A GUID derived from a lead's identity. The same identity always gives the same id, which is
 * what makes re-sent leads land on one record (and, later, one Dataverse row).
 * Formatted as an RFC 9562 version 8 (custom) UUID so Dataverse accepts it as a primary key.
 */
export function leadIdFor(identity: string): string {
  const bytes = createHash('sha256').update(`marketplace-lead:${identity}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
