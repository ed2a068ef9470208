import type { ConversationKind } from '../conversations/installation-store';
import { resolveRecipients } from '../conversations/resolve-recipients';
import type { Command, CommandDeps, CommandRequest } from './command';

/** Posting customer details to a channel or group chat is an admin's call; a person decides for their own chat. */
const adminsOutsidePersonalChats = (where: ConversationKind): boolean => where !== 'personal';

export const subscribeCommand: Command = {
  name: 'subscribe',
  usage: 'subscribe',
  summary: 'Get lead cards in this chat or channel',
  takesArgument: false,
  adminsOnly: adminsOutsidePersonalChats,
  run: (request, deps) => setSubscription(request, deps, true),
};

export const unsubscribeCommand: Command = {
  name: 'unsubscribe',
  usage: 'unsubscribe',
  summary: 'Stop lead cards in this chat or channel',
  takesArgument: false,
  adminsOnly: adminsOutsidePersonalChats,
  run: (request, deps) => setSubscription(request, deps, false),
};

const STATE: Readonly<Record<ConversationKind, { on: string; off: string }>> = {
  personal: { on: 'You get a card for every new lead.', off: 'You get no lead cards.' },
  groupChat: { on: 'This chat gets a card for every new lead.', off: 'This chat gets no lead cards.' },
  channel: { on: 'This channel gets a card for every new lead.', off: 'This channel gets no lead cards.' },
};

/** Idempotent: says whether anything changed, and always the state now. */
async function setSubscription({ chat, where }: CommandRequest, deps: CommandDeps, subscribe: boolean): Promise<void> {
  const conversationId = chat.conversationId;
  const before = await deps.installations.get(conversationId);
  const wasGetting = before !== undefined && resolveRecipients([before], deps.settings.leadContacts, deps.settings.teamsTenantId).targets.length > 0;
  if (before !== undefined && before.subscribed !== subscribe) await deps.installations.setSubscribed(conversationId, subscribe);
  const changed = wasGetting !== subscribe;
  deps.logger.info({ where, subscribe, changed }, 'lead card subscription set');
  const next = subscribe ? 'Type **unsubscribe** to stop.' : 'Type **subscribe** to get them.';
  await chat.say(`${changed ? 'Done.' : 'Nothing to change.'} ${subscribe ? STATE[where].on : STATE[where].off} ${next}`);
}
