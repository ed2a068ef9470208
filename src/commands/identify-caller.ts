import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Settings } from '../config/settings';
import { tenantOf } from '../teams/describe-installation';

/** Who typed a command or pressed a card button, as far as the bot may trust it. */
export interface Caller {
  readonly name: string;
  /** From the configured tenant (TEAMS_TENANT_ID): only they may subscribe or run admin commands. */
  readonly inTenant: boolean;
  /** Listed in ADMINS (by Azure AD object id, e-mail or UPN) and in the tenant. */
  readonly isAdmin: boolean;
}

/**
 * Identifies the caller of a turn. Teams puts the Azure AD object id on every activity; e-mail
 * and UPN need a call to Teams' member API, made only when ADMINS lists addresses and the id
 * did not match.
 */
export async function identifyCaller(turn: TurnContext, settings: Pick<Settings, 'admins' | 'teamsTenantId'>): Promise<Caller> {
  const activity = turn.activity;
  const name = activity.from.name || 'there';
  const tenant = tenantOf(activity).toLowerCase();
  const inTenant = settings.teamsTenantId !== undefined && tenant === settings.teamsTenantId;
  if (!inTenant || settings.admins.length === 0) return { name, inTenant, isAdmin: false };

  const admins = new Set(settings.admins);
  if (activity.from.aadObjectId !== undefined && admins.has(activity.from.aadObjectId.toLowerCase())) return { name, inTenant, isAdmin: true };
  if (!settings.admins.some((a) => a.includes('@'))) return { name, inTenant, isAdmin: false };
  const member = await TeamsInfo.getMember(turn, activity.from.id).catch(() => undefined);
  const addresses = [member?.email, member?.userPrincipalName, member?.aadObjectId].flatMap((a) => (a ? [a.toLowerCase()] : []));
  return { name, inTenant, isAdmin: addresses.some((a) => admins.has(a)) };
}

/** Who may run admin commands, in words, for a polite refusal. */
export function describeAdmins(admins: readonly string[]): string {
  const addresses = admins.filter((a) => a.includes('@'));
  const ids = admins.length - addresses.length;
  if (admins.length === 0) return 'No admins are set yet: add e-mail addresses to ADMINS in the bot\'s settings.';
  const byId = ids === 0 ? '' : `${addresses.length > 0 ? ' and ' : ''}${ids} person${ids === 1 ? '' : 's'} listed by Azure AD id`;
  return `It can be run by ${addresses.join(', ')}${byId} (ADMINS in the bot's settings).`;
}
