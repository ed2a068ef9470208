import { GUID } from '../leads/lead-id';
import type { CardAction, Command, CommandDeps } from './command';
import { buildStatusCard } from './status';

export const retryCommand: Command = {
  name: 'retry',
  koreanNames: ['재시도'],
  usage: 'command.retry.usage',
  summary: 'command.retry.summary',
  takesArgument: true,
  adminsOnly: () => true,
  async run({ chat, argument }, deps) {
    if (argument !== '' && argument.toLowerCase() !== 'all' && !GUID.test(argument)) {
      await chat.say(`"${argument.slice(0, 60)}" is not a lead id. Type **retry** for every dead-lettered lead, or **retry** followed by an id from **status**.`);
      return;
    }
    await chat.say(await redrive(deps, argument === '' || argument.toLowerCase() === 'all' ? undefined : argument.toLowerCase()));
  },
};

/** The status card's "Retry dead-lettered leads" button: re-drives all, answers with the fresh status. */
export const retryDeadLettersAction: CardAction = {
  verb: 'retryDeadLetters',
  title: 'Retry dead-lettered leads',
  adminsOnly: true,
  async handle(chat, _data, caller, deps) {
    await redrive(deps, undefined);
    return buildStatusCard(deps, caller.isAdmin, chat.reader);
  },
};

async function redrive(deps: CommandDeps, leadId: string | undefined): Promise<string> {
  const ids = await deps.deadLetters.redrive(leadId === undefined ? undefined : [leadId]);
  deps.logger.info({ count: ids.length }, 'dead-lettered leads re-driven from Teams');
  if (ids.length === 0) return leadId === undefined ? 'There are no dead-lettered leads.' : `Lead ${leadId} is not dead-lettered (type **status** to see those that are).`;
  return `${ids.length} lead(s) are back in the queue and will be written to Dynamics shortly. Type **status** to follow them.`;
}
