import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Caller } from '../commands/caller';
import type { Settings } from '../config/settings';
import { isMember } from '../conversations/resolve-recipients';
import { tenantOf, userRoleOf } from './describe-installation';

/**
 * Identifies the caller of a turn. Teams puts the tenant and the Azure AD object id on every
 * activity; whether they are a member or a guest, and their e-mail and UPN, come from Teams'
 * member API, asked once per turn from the organisation. (Should that call fail, the caller is
 * taken for a member: the chats lead cards go to were checked as they were kept.)
 */
export async function identifyCaller(turn: TurnContext, settings: Pick<Settings, 'admins' | 'teamsTenantId'>): Promise<Caller> {
  const activity = turn.activity;
  const displayName = activity.from.name || undefined;
  const name = displayName ?? 'there';
  const tenant = tenantOf(activity).toLowerCase();
  const inTenant = settings.teamsTenantId !== undefined && tenant === settings.teamsTenantId;
  const aadObjectId = activity.from.aadObjectId || undefined;
  if (!inTenant) return { name, displayName, inTenant, isMember: false, isAdmin: false, aadObjectId, email: undefined };

  const details = await TeamsInfo.getMember(turn, activity.from.id).catch(() => undefined);
  const member = isMember(userRoleOf(details).userRole);
  const admins = new Set(settings.admins);
  const ids = [activity.from.aadObjectId, details?.email, details?.userPrincipalName, details?.aadObjectId].flatMap((a) => (a ? [a.toLowerCase()] : []));
  const email = details?.email ?? details?.userPrincipalName ?? undefined;
  return { name, displayName, inTenant, isMember: member, isAdmin: member && ids.some((id) => admins.has(id)), aadObjectId, email };
}
