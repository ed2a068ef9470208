import { CardFactory, TurnContext, type Activity, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { BotMessage, Chat, LaterChat } from '../commands/command';
import { conversationIdOf } from '../conversations/conversation-key';
import type { Installation, InstallationStore } from '../conversations/installation-store';
import { readerOf } from '../conversations/reader-of';
import type { Reader } from '../language/language';
import { conversationKindOf } from './describe-installation';
import type { SendLimiter } from '../conversations/send-limiter';
import { inConversation } from './proactive';

/** What speaking in a chat needs: the adapter to reach it after the turn, and Teams' rate limits. */
export interface ChatDeps {
  readonly adapter: CloudAdapter;
  readonly botAppId: string;
  /** Shared with lead delivery: every message to a chat, in a turn or after it, takes a turn of Teams' limits. */
  readonly limiter: SendLimiter;
  /** Where a chat's chosen language is kept. */
  readonly installations: InstallationStore;
  /** BOT_LANGUAGE and BOT_TIME_ZONE. */
  readonly reader: Reader;
}

/**
 * The commands' Chat over a Bot Framework turn, answering in its reader's language: the chat's
 * chosen one, or in a personal chat the language of the Teams the person is using now.
 */
export async function chatOf(turn: TurnContext, deps: ChatDeps): Promise<Chat> {
  const conversationId = conversationIdOf(turn.activity.conversation.id);
  const reader = await readerOfTurn(turn, deps);
  return {
    conversationId,
    reader,
    async say(message) {
      const sent = await deps.limiter.send(conversationId, () => (typeof message === 'string' ? turn.sendActivity(message) : turn.sendActivity(activityOf(message))));
      return sent?.id;
    },
    later: () => laterChat(TurnContext.getConversationReference(turn.activity), deps),
    cardId: turn.activity.replyToId,
  };
}

/** Who reads the answers to this turn (a chat whose record cannot be read answers in the person's language, else BOT_LANGUAGE). */
export async function readerOfTurn(turn: TurnContext, deps: Pick<ChatDeps, 'installations' | 'reader'>): Promise<Reader> {
  const conversationId = conversationIdOf(turn.activity.conversation.id);
  const chosen = (await deps.installations.get(conversationId).catch(() => undefined))?.language;
  const kind = conversationKindOf(turn.activity.conversation.conversationType);
  return readerOf({ kind, ...(chosen === undefined ? {} : { language: chosen }), reference: { locale: turn.activity.locale } }, deps.reader);
}

/** A chat where the app is installed, spoken to proactively (the daily digest). */
export function chatAt(installation: Installation, deps: ChatDeps): LaterChat {
  return laterChat(installation.reference as Partial<ConversationReference>, deps);
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
