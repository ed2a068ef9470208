import type { AdaptiveCardJson } from '../cards/lead-card';
import type { ConversationKind } from '../conversations/installation-store';
import type { Language } from '../language/language';
import { message } from '../language/messages';
import { describeAdmins, type Caller } from './caller';
import { awayCommand, backCommand } from './away';
import { claimLeadAction, disqualifyLeadAction, markContactedAction } from './lead-actions';
import { commandWord, type CardAction, type Chat, type Command, type CommandDeps } from './command';
import { createHelpCommand } from './help';
import { routeCommand } from './lead-routes';
import { showLeadAction } from './show-lead';
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
  routeCommand,
  retryCommand,
  rotationCommand,
  rotatedCommand,
  awayCommand,
  backCommand,
];

/** Every button on the bot's cards. */
export const CARD_ACTIONS: readonly CardAction[] = [
  claimLeadAction,
  markContactedAction,
  disqualifyLeadAction,
  showLeadAction,
  refreshStatusAction,
  retryDeadLettersAction,
  runValidateAction,
  credentialRotatedAction,
  snoozeReminderAction,
];

/**
 * A command's pattern: its name (in English or Korean) alone, anchored at both ends (so
 * "invalidate" or "status please" is not a command), then the argument for commands that take
 * one. Case and the spaces Teams leaves around a removed @mention do not matter.
 */
export function commandPattern(command: Command): RegExp {
  const names = `(?:${[command.name, ...command.koreanNames].join('|')})`;
  return command.takesArgument ? new RegExp(`^\\s*${names}(?:\\s+([\\s\\S]*?))?\\s*$`, 'i') : new RegExp(`^\\s*${names}\\s*$`, 'i');
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
 * Runs a command for whoever typed it: refused politely when they may not (naming who may), and
 * a plain apology when it fails on our side, with the turn's id to find it in the log.
 */
export async function runCommand(
  command: Command,
  request: { readonly chat: Chat; readonly argument: string; readonly caller: Caller; readonly where: ConversationKind; readonly turnId: string | undefined },
  deps: CommandDeps,
): Promise<void> {
  const { chat, caller, where } = request;
  const log = deps.logger.child({ command: command.name, where });
  try {
    const refusal = refuse(chat.reader.language, commandWord(command, chat.reader.language), command.adminsOnly(where), command.name !== 'help', caller, deps);
    if (refusal !== undefined) {
      log.info({ inTenant: caller.inTenant }, 'command refused');
      await chat.say(refusal);
      return;
    }
    await command.run({ chat, argument: request.argument, caller, where }, deps);
  } catch (err) {
    log.error({ err }, 'command failed');
    await chat.say(message(chat.reader.language, 'bot.commandFailed', { command: commandWord(command, chat.reader.language), turn: request.turnId ?? '?' }));
  }
}

/** A card button pressed: its answer (a card to replace the one pressed, or words), or why this caller may not. */
export async function runCardAction(action: CardAction, chat: Chat, data: unknown, caller: Caller, deps: CommandDeps): Promise<AdaptiveCardJson | string> {
  return refuse(chat.reader.language, message(chat.reader.language, action.title), action.adminsOnly, true, caller, deps) ?? (await action.handle(chat, data, caller, deps));
}

/** Why this caller may not do this, politely and naming who may; undefined when they may. */
function refuse(language: Language, what: string, adminsOnly: boolean, needsTenant: boolean, caller: Caller, deps: CommandDeps): string | undefined {
  if (needsTenant && !caller.inTenant) return message(language, 'bot.refuse.outsider', { what });
  if (needsTenant && !caller.isMember) return message(language, 'bot.refuse.guest', { what });
  if (adminsOnly && !caller.isAdmin) return message(language, 'bot.refuse.notAdmin', { name: caller.displayName ?? 'none', what, admins: describeAdmins(deps.settings.admins, language) });
  return undefined;
}
