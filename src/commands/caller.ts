import type { Language } from '../language/language';
import { message } from '../language/messages';

/** Who typed a command or pressed a card button, as far as the bot may trust it. */
export interface Caller {
  /** How to address them: their name, or "there" when Teams gave none. */
  readonly name: string;
  /** Their name as Teams gave it, to record who did something. */
  readonly displayName: string | undefined;
  /** From the configured tenant (TEAMS_TENANT_ID): only they may subscribe or run admin commands. */
  readonly inTenant: boolean;
  /** A member of that organisation: not a B2B guest or anonymous (Teams' userRole). */
  readonly isMember: boolean;
  /** Listed in ADMINS (by Azure AD object id, e-mail or UPN) and in the tenant. */
  readonly isAdmin: boolean;
  /** Who they are in Entra, as Teams says (to find their Dynamics user): their object id and e-mail, when known. */
  readonly aadObjectId: string | undefined;
  readonly email: string | undefined;
}

/** Who may run admin commands, in the reader's words, for a polite refusal. */
export function describeAdmins(admins: readonly string[], language: Language): string {
  if (admins.length === 0) return message(language, 'admins.none');
  const addresses = admins.filter((a) => a.includes('@'));
  return message(language, 'admins.who', { addresses: addresses.join(', '), ids: admins.length - addresses.length, hasAddresses: addresses.length > 0 ? 'yes' : 'no' });
}
