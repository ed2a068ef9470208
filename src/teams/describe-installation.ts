import { TeamsInfo, TurnContext, type Activity } from 'botbuilder';
import { conversationIdOf } from '../conversations/conversation-key';
import type { ConversationKind, Installation } from '../conversations/installation-store';

/**
 * What to remember about the conversation an activity came from. For a personal chat the user's
 * e-mail and UPN come from Teams' member API (activities carry neither), so the contact list,
 * written as e-mail addresses, can be matched to chats.
 */
export async function describeInstallation(context: TurnContext, now: Date): Promise<Installation> {
  const activity: Partial<Activity> = context.activity;
  const reference = TurnContext.getConversationReference(activity);
  const kind = conversationKindOf(activity.conversation?.conversationType);
  const conversationId = conversationIdOf(activity.conversation?.id ?? '');
  const base = {
    conversationId,
    kind,
    tenantId: tenantOf(activity),
    reference: { ...reference, conversation: { ...reference.conversation, id: conversationId } } as Installation['reference'],
    updatedAt: now.toISOString(),
  };
  if (kind !== 'personal' || activity.from === undefined) {
    return { ...base, userId: undefined, aadObjectId: undefined, email: undefined, userPrincipalName: undefined, name: undefined };
  }
  const member = await TeamsInfo.getMember(context, activity.from.id).catch(() => undefined);
  return {
    ...base,
    userId: activity.from.id,
    aadObjectId: member?.aadObjectId ?? activity.from.aadObjectId,
    email: member?.email?.toLowerCase(),
    userPrincipalName: member?.userPrincipalName?.toLowerCase(),
    name: member?.name ?? activity.from.name,
    ...userRoleOf(member),
  };
}

/** The Microsoft 365 tenant an activity came from ('' when Teams did not say). */
export function tenantOf(activity: Partial<Activity>): string {
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? '';
}

/** Teams' conversationType in our words (a personal chat carries "personal" or nothing). */
export function conversationKindOf(conversationType: string | undefined): ConversationKind {
  return conversationType === 'channel' ? 'channel' : conversationType === 'groupChat' ? 'groupChat' : 'personal';
}

/** Teams' userRole in a member's details ("user", "guest", "anonymous"), which botbuilder's types leave out. */
export function userRoleOf(member: object | undefined): { userRole?: string } {
  const role = (member as { userRole?: unknown } | undefined)?.userRole;
  return typeof role === 'string' ? { userRole: role.toLowerCase() } : {};
}
