import { CardFactory, TurnContext, type Activity, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { BotMessage, Chat, LaterChat } from '../commands/command';
import { conversationIdOf } from '../conversations/conversation-key';
import type { SendLimiter } from '../conversations/send-limiter';
import { inConversation } from './proactive';

/** What speaking in a chat needs: the adapter to reach it after the turn, and Teams' rate limits. */
export interface ChatDeps {
  readonly adapter: CloudAdapter;
  readonly botAppId: string;
  /** Shared with lead delivery: every message to a chat, in a turn or after it, takes a turn of Teams' limits. */
  readonly limiter: SendLimiter;
}

/** The commands' Chat over a Bot Framework turn. */
export function chatOf(turn: TurnContext, deps: ChatDeps): Chat {
  const conversationId = conversationIdOf(turn.activity.conversation.id);
  return {
    conversationId,
    async say(message) {
      const sent = await deps.limiter.send(conversationId, () => (typeof message === 'string' ? turn.sendActivity(message) : turn.sendActivity(activityOf(message))));
      return sent?.id;
    },
    later: () => laterChat(TurnContext.getConversationReference(turn.activity), deps),
  };
}

/** A chat spoken to proactively, as the turn that named it has ended. */
export function laterChat(reference: Partial<ConversationReference>, deps: ChatDeps): LaterChat {
  const conversationId = conversationIdOf(reference.conversation?.id ?? '');
  return {
    async say(message) {
      return deps.limiter.send(conversationId, () => inConversation(deps.adapter, deps.botAppId, reference, async (context) => (await context.sendActivity(activityOf(message)))?.id));
    },
    async replace(messageId, message) {
      await deps.limiter.send(conversationId, () => inConversation(deps.adapter, deps.botAppId, reference, (context) => context.updateActivity({ ...activityOf(message), id: messageId })), { update: true });
    },
  };
}

/** A message in the Bot Framework's terms. */
export function activityOf(message: BotMessage): Partial<Activity> {
  if (typeof message === 'string') return { type: 'message', text: message };
  return { type: 'message', attachments: [CardFactory.adaptiveCard(message.card)], ...(message.summary === undefined ? {} : { summary: message.summary }) };
}
