import { GUID } from '../leads/lead-id';
import type { CardAction, Command, CommandDeps } from './command';
import { buildStatusCard } from './status';
import { messagesIn, type Messages } from '../language/messages';

export const retryCommand: Command = {
  name: 'retry',
  koreanNames: ['재시도'],
  usage: 'command.retry.usage',
  summary: 'command.retry.summary',
  takesArgument: true,
  adminsOnly: () => true,
  async run({ chat, argument }, deps) {
    const say = messagesIn(chat.reader.language);
    if (argument !== '' && argument.toLowerCase() !== 'all' && !GUID.test(argument)) {
      await chat.say(say('retry.notALeadId', { text: argument.slice(0, 60) }));
      return;
    }
    await chat.say(await redrive(deps, argument === '' || argument.toLowerCase() === 'all' ? undefined : argument.toLowerCase(), say));
  },
};

/** The status card's "Retry dead-lettered leads" button: re-drives all, answers with the fresh status. */
export const retryDeadLettersAction: CardAction = {
  verb: 'retryDeadLetters',
  title: 'button.retry',
  adminsOnly: true,
  async handle(chat, _data, caller, deps) {
    await redrive(deps, undefined, messagesIn(chat.reader.language));
    return buildStatusCard(deps, caller.isAdmin, chat.reader);
  },
};

async function redrive(deps: CommandDeps, leadId: string | undefined, say: Messages): Promise<string> {
  const ids = await deps.deadLetters.redrive(leadId === undefined ? undefined : [leadId]);
  deps.logger.info({ count: ids.length }, 'dead-lettered leads re-driven from Teams');
  if (ids.length === 0) return leadId === undefined ? say('retry.none') : say('retry.notDead', { id: leadId });
  return say('retry.back', { count: ids.length });
}
