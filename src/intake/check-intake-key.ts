import { createHash, timingSafeEqual } from 'node:crypto';
import { intakeErrors } from './intake-errors';

/**
 * Partner Center lets a publisher paste only a URL, so the key usually rides in `?code=`;
 * other senders may use the `x-lead-key` header. Compared in constant time: hashing both
 * sides first gives equal lengths, so not even the key's length leaks.
 */
export function checkIntakeKey(expected: string, fromQuery: string | null, fromHeader: string | undefined): void {
  const given = fromQuery || fromHeader;
  if (given === undefined || given === '') throw intakeErrors.keyMissing();
  if (!timingSafeEqual(digest(given), digest(expected))) throw intakeErrors.keyWrong();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
