import { helpCard } from '../cards/help-card';
import { message } from '../language/messages';
import { commandWord, type Command } from './command';

/** `help`, listing the commands of the table it is given (the route table's own), in the reader's words. */
export function createHelpCommand(table: () => readonly Command[]): Command {
  return {
    name: 'help',
    koreanNames: ['도움말'],
    usage: 'command.help.usage',
    summary: 'command.help.summary',
    takesArgument: false,
    adminsOnly: () => false,
    async run({ chat, caller, where }) {
      const { language } = chat.reader;
      const commands = table().filter((c) => where === 'personal' || c.personalOnly !== true);
      const allowed = commands.filter((c) => caller.isAdmin || !c.adminsOnly(where));
      const adminCommands = caller.isAdmin ? [] : commands.filter((c) => c.adminsOnly(where)).map((c) => commandWord(c, language));
      // A Korean reader sees the Korean words, and learns the English ones work too; an English reader the other way round.
      const otherWords = allowed.map((c) => commandWord(c, language === 'ko' ? 'en' : 'ko'));
      await chat.say({
        card: helpCard(
          { commands: allowed.map((c) => ({ usage: message(language, c.usage), summary: message(language, c.summary) })), adminCommands, otherWords },
          language,
        ),
      });
    },
  };
}
