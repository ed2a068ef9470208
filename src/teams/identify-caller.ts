import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Caller } from '../commands/caller';
import type { Settings } from '../config/settings';
import { tenantOf } from './describe-installation';

/**
 * Identifies the caller of a turn. Teams puts the Azure AD object id on every activity; e-mail
 * and UPN need a call to Teams' member API, made only when ADMINS lists addresses and the id
 * did not match.
 */
export async function identifyCaller(turn: TurnContext, settings: Pick<Settings, 'admins' | 'teamsTenantId'>): Promise<Caller> {
  const activity = turn.activity;
  const displayName = activity.from.name || undefined;
  const name = displayName ?? 'there';
  const tenant = tenantOf(activity).toLowerCase();
  const inTenant = settings.teamsTenantId !== undefined && tenant === settings.teamsTenantId;
  if (!inTenant || settings.admins.length === 0) return { name, displayName, inTenant, isAdmin: false };

  const admins = new Set(settings.admins);
  if (activity.from.aadObjectId !== undefined && admins.has(activity.from.aadObjectId.toLowerCase())) return { name, displayName, inTenant, isAdmin: true };
  if (!settings.admins.some((a) => a.includes('@'))) return { name, displayName, inTenant, isAdmin: false };
  const member = await TeamsInfo.getMember(turn, activity.from.id).catch(() => undefined);
  const addresses = [member?.email, member?.userPrincipalName, member?.aadObjectId].flatMap((a) => (a ? [a.toLowerCase()] : []));
  return { name, displayName, inTenant, isAdmin: addresses.some((a) => admins.has(a)) };
}
