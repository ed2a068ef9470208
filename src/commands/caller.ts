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
}

/** Who may run admin commands, in words, for a polite refusal. */
export function describeAdmins(admins: readonly string[]): string {
  const addresses = admins.filter((a) => a.includes('@'));
  const ids = admins.length - addresses.length;
  if (admins.length === 0) return 'No admins are set yet: add e-mail addresses to ADMINS in the bot\'s settings.';
  const byId = ids === 0 ? '' : `${addresses.length > 0 ? ' and ' : ''}${ids} person${ids === 1 ? '' : 's'} listed by Azure AD id`;
  return `It can be run by ${addresses.join(', ')}${byId} (ADMINS in the bot's settings).`;
}
