import type { AdaptiveCard } from '@microsoft/teams-ai';
import { CardFactory, type TurnContext } from 'botbuilder';
import type { CardAction, CommandDeps } from '../commands/command';
import { CARD_ACTIONS, COMMANDS, commandPattern, runCardAction, runCommand } from '../commands/route-table';
import { conversationIdOf } from '../conversations/conversation-key';
import { GUID } from '../leads/lead-id';
import type { Bot } from './bot';
import { conversationKindOf } from './describe-installation';
import { identifyCaller } from './identify-caller';
import { message } from '../language/messages';
import { chatOf, readerOfTurn, type ChatDeps } from './turn-chat';
import { answeredOf } from './update-card-copies';

/**
 * The route table on teams-ai: card actions, then commands, then a hint for any other text.
 * teams-ai tries invoke routes (Action.Execute) before the others, as Teams waits only a few
 * seconds for them. What each route does lives in src/commands/, on the Chat interface.
 */
export function registerRoutes(bot: Bot, deps: CommandDeps, chats: ChatDeps): void {
  for (const action of CARD_ACTIONS) registerCardAction(bot, action, deps, chats);
  for (const command of COMMANDS) {
    const pattern = commandPattern(command);
    bot.app.message(pattern, async (turn) => {
      const where = conversationKindOf(turn.activity.conversation.conversationType);
      const argument = (pattern.exec(turn.activity.text)?.[1] ?? '').trim();
      const caller = await identifyCaller(turn, deps.settings);
      await runCommand(command, { chat: await chatOf(turn, chats), argument, caller, where, turnId: turn.activity.id }, deps);
    });
  }
  bot.app.message(/\S/, async (turn) => {
    await turn.sendActivity(message((await readerOfTurn(turn, chats)).language, 'bot.unknownCommand'));
  });
}

function registerCardAction(bot: Bot, action: CardAction, deps: CommandDeps, chats: ChatDeps): void {
  const handle = async (turn: TurnContext, data: unknown): Promise<Record<string, unknown> | string> =>
    runCardAction(action, await chatOf(turn, chats), data, await identifyCaller(turn, deps.settings), deps);
  // teams-ai types the answer as its own AdaptiveCard interface; ours is the same JSON.
  bot.app.adaptiveCards.actionExecute(action.verb, async (turn, _state, data) => (await handle(turn, data)) as AdaptiveCard | string);
  // Clients without Universal Actions send the Action.Submit fallback: the answer refreshes the
  // lead's card in place, or is said. The message to replace is one the bot recorded sending here
  // for that lead (the one replyToId names, if it is one of them), never any other message of the bot's.
  bot.app.adaptiveCards.actionSubmit(action.verb, async (turn, _state, data) => {
    const answer = await handle(turn, data);
    const cardHere = typeof answer === 'string' ? undefined : await recordedCard(data, conversationIdOf(turn.activity.conversation.id), turn.activity.replyToId, deps);
    if (typeof answer === 'string' || cardHere === undefined) {
      await turn.sendActivity(typeof answer === 'string' ? answer : { attachments: [CardFactory.adaptiveCard(answer)] });
      return;
    }
    await turn.updateActivity({ type: 'message', id: cardHere, attachments: [CardFactory.adaptiveCard(answer)] });
  });
}

/**
 * The id of the lead card the bot sent to this chat for the lead a button names, if it sent one:
 * the copy the button was on (a chat may have the lead's card and its escalations'), else the first.
 */
async function recordedCard(data: unknown, conversationId: string, replyToId: string | undefined, deps: CommandDeps): Promise<string | undefined> {
  const leadId = (data as { leadId?: unknown } | undefined)?.leadId;
  if (typeof leadId !== 'string' || !GUID.test(leadId)) return undefined;
  const sent = (await deps.deliveries.forLead(leadId)).filter((d) => d.status === 'sent' && d.activityId !== undefined);
  return answeredOf(sent, { conversationId, activityId: replyToId })?.activityId;
}
