import { LeadPayloadError } from './lead-payload-error';

/**
 * The longest text a lead field may hold: Azure Tables keeps at most 64 KiB (32,768 UTF-16 code
 * units) in a property, and a lead that cannot be stored must be refused with the reason, not
 * answered 503 for its sender to retry for ever. Far beyond anything a customer types.
 */
export const MAX_FIELD_CHARS = 32_000;

function withinStorage(text: string, field: string): string {
  if (text.length > MAX_FIELD_CHARS) {
    throw new LeadPayloadError(`${field} holds ${String(text.length)} characters; a lead's field may hold at most ${String(MAX_FIELD_CHARS)}`);
  }
  return text;
}

/**
 * Field access that ignores the case of keys: the documented test lead sends `userDetails`
 * where the schema says `UserDetails`, so no key's spelling can be trusted.
 */
export class Fields {
  private readonly byLowerKey = new Map<string, unknown>();

  constructor(
    record: Record<string, unknown>,
    private readonly path: string,
  ) {
    for (const [key, value] of Object.entries(record)) this.byLowerKey.set(key.toLowerCase(), value);
  }

  has(name: string): boolean {
    return this.byLowerKey.has(name.toLowerCase());
  }

  /** Text fields: absent or null → '', numbers (phones sent as numbers) → their digits. */
  text(name: string): string {
    const value = this.byLowerKey.get(name.toLowerCase());
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return withinStorage(value.trim(), this.describe(name));
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new LeadPayloadError(`${this.describe(name)} must be text, but it is ${kindOf(value)}`);
  }

  /** A nested object; absent or null → an empty one. */
  object(name: string): Fields {
    const value = this.byLowerKey.get(name.toLowerCase());
    if (value === undefined || value === null) return new Fields({}, this.describe(name));
    if (!isPlainObject(value)) {
      throw new LeadPayloadError(`${this.describe(name)} must be an object, but it is ${kindOf(value)}`);
    }
    return new Fields(value, this.describe(name));
  }

  private describe(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
