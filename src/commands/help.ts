import { helpCard } from '../cards/help-card';
import type { Command } from './command';

/** `help`, listing the commands of the table it is given (the route table's own). */
export function createHelpCommand(table: () => readonly Command[]): Command {
  return {
    name: 'help',
    usage: 'help',
    summary: 'What I can do, and the commands you can run here',
    takesArgument: false,
    adminsOnly: () => false,
    async run({ chat, caller, where }) {
      const commands = table().filter((c) => where === 'personal' || c.personalOnly !== true);
      const allowed = commands.filter((c) => caller.isAdmin || !c.adminsOnly(where));
      const adminCommands = caller.isAdmin ? [] : commands.filter((c) => c.adminsOnly(where)).map((c) => c.name);
      await chat.say({ card: helpCard({ commands: allowed, adminCommands }) });
    },
  };
}
