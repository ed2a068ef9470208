import type { AdaptiveCard } from '@microsoft/teams-ai';
import { CardFactory, type TurnContext } from 'botbuilder';
import { claimLeadAction } from '../teams/claim-lead';
import { showLeadAction } from '../teams/show-lead';
import type { Bot } from '../teams/bot';
import { conversationKindOf } from '../teams/describe-installation';
import type { CardAction, Command, CommandDeps } from './command';
import { createHelpCommand } from './help';
import { describeAdmins, identifyCaller, type Caller } from './identify-caller';
import { retryCommand, retryDeadLettersAction } from './retry';
import { credentialRotatedAction, rotatedCommand, rotationCommand, snoozeReminderAction } from './rotation';
import { refreshStatusAction, statusCommand } from './status';
import { subscribeCommand, unsubscribeCommand } from './subscription';
import { runValidateAction, validateCommand } from './validate';

/** Every chat command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  createHelpCommand(() => COMMANDS),
  validateCommand,
  statusCommand,
  subscribeCommand,
  unsubscribeCommand,
  retryCommand,
  rotationCommand,
  rotatedCommand,
];

/** Every button on the bot's cards. */
export const CARD_ACTIONS: readonly CardAction[] = [
  claimLeadAction,
  showLeadAction,
  refreshStatusAction,
  retryDeadLettersAction,
  runValidateAction,
  credentialRotatedAction,
  snoozeReminderAction,
];

/**
 * A command's pattern: its name alone, anchored at both ends (so "invalidate" or "status
 * please" is not a command), then the argument for commands that take one. Case and the
 * spaces Teams leaves around a removed @mention do not matter.
 */
export function commandPattern(command: Command): RegExp {
  return command.takesArgument ? new RegExp(`^\\s*${command.name}(?:\\s+([\\s\\S]*?))?\\s*$`, 'i') : new RegExp(`^\\s*${command.name}\\s*$`, 'i');
}

/** The command a message names, first match wins, as the bot routes it. */
export function findCommand(text: string | undefined): { command: Command; argument: string } | undefined {
  for (const command of COMMANDS) {
    const match = commandPattern(command).exec(text ?? '');
    if (match !== null) return { command, argument: (match[1] ?? '').trim() };
  }
  return undefined;
}

/**
 * The route table: card actions, then commands, then a hint for any other text. teams-ai tries
 * invoke routes (Action.Execute) before the others, as Teams waits only a few seconds for them.
 */
export function registerRoutes(bot: Bot, deps: CommandDeps): void {
  for (const action of CARD_ACTIONS) registerCardAction(bot, action, deps);
  for (const command of COMMANDS) {
    const pattern = commandPattern(command);
    bot.app.message(pattern, async (turn) => {
      await runCommand(command, (pattern.exec(turn.activity.text)?.[1] ?? '').trim(), turn, deps);
    });
  }
  bot.app.message(/\S/, async (turn) => {
    await turn.sendActivity("Sorry, I don't know that one. Type **help** to see what I can do.");
  });
}

async function runCommand(command: Command, argument: string, turn: TurnContext, deps: CommandDeps): Promise<void> {
  const where = conversationKindOf(turn.activity.conversation.conversationType);
  const log = deps.logger.child({ command: command.name, where });
  try {
    const caller = await identifyCaller(turn, deps.settings);
    const refusal = refuse(command.name, command.adminsOnly(where), command.name !== 'help', caller, deps);
    if (refusal !== undefined) {
      log.info({ inTenant: caller.inTenant }, 'command refused');
      await turn.sendActivity(refusal);
      return;
    }
    await command.run({ turn, argument, caller, where }, deps);
  } catch (err) {
    log.error({ err }, 'command failed');
    await turn.sendActivity(`Sorry, **${command.name}** failed on my side. The bot's log has the details (turn ${turn.activity.id ?? 'unknown'}).`);
  }
}

/** Why this caller may not do this, politely and naming who may; undefined when they may. */
function refuse(what: string, adminsOnly: boolean, needsTenant: boolean, caller: Caller, deps: CommandDeps): string | undefined {
  if (needsTenant && !caller.inTenant) return `Sorry, I take **${what}** only from people in the organisation that runs this bot.`;
  if (adminsOnly && !caller.isAdmin) return `Sorry ${caller.name}, **${what}** is for the bot's admins. ${describeAdmins(deps.settings.admins)}`;
  return undefined;
}

function registerCardAction(bot: Bot, action: CardAction, deps: CommandDeps): void {
  const handle = async (turn: TurnContext, data: unknown): Promise<Record<string, unknown> | string> => {
    const caller = await identifyCaller(turn, deps.settings);
    return refuse(action.title, action.adminsOnly, true, caller, deps) ?? (await action.handle(turn, data, caller, deps));
  };
  // teams-ai types the answer as its own AdaptiveCard interface; ours is the same JSON.
  bot.app.adaptiveCards.actionExecute(action.verb, async (turn, _state, data) => (await handle(turn, data)) as AdaptiveCard | string);
  // Clients without Universal Actions send the Action.Submit fallback: refresh the card in place, or say the answer.
  bot.app.adaptiveCards.actionSubmit(action.verb, async (turn, _state, data) => {
    const answer = await handle(turn, data);
    if (typeof answer === 'string' || turn.activity.replyToId === undefined) {
      await turn.sendActivity(typeof answer === 'string' ? answer : { attachments: [CardFactory.adaptiveCard(answer)] });
      return;
    }
    await turn.updateActivity({ type: 'message', id: turn.activity.replyToId, attachments: [CardFactory.adaptiveCard(answer)] });
  });
}
