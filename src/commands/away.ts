import { addressesOf } from '../conversations/installation-store';
import { parseCalendarDate } from '../timing/calendar-date';
import type { Command, CommandDeps, CommandRequest } from './command';

const ONLY_PERSONAL = 'Type this in your own chat with me: it is about you.';

/** `away` / `away until YYYY-MM-DD`: round-robin routes skip you until you are back. */
export const awayCommand: Command = {
  name: 'away',
  koreanNames: ['부재'],
  usage: 'command.away.usage',
  summary: 'command.away.summary',
  takesArgument: true,
  adminsOnly: () => false,
  personalOnly: true,
  async run(request, deps) {
    const addresses = await callerAddresses(request, deps);
    if (addresses === undefined) return;
    const words = request.argument.split(/\s+/).filter((w) => w !== '');
    const [until, date] = words;
    if (words.length > 0 && (words.length !== 2 || until?.toLowerCase() !== 'until')) {
      await request.chat.say('Type **away**, or **away until** a date such as 2026-12-24 (your last day away).');
      return;
    }
    const lastDay = date === undefined ? undefined : parseCalendarDate(date);
    if (date !== undefined && lastDay === undefined) {
      await request.chat.say(`"${date.slice(0, 20)}" is not a date: write it as YYYY-MM-DD, like 2026-12-24.`);
      return;
    }
    const today = deps.now().toISOString().slice(0, 10);
    const day = lastDay?.toISOString().slice(0, 10);
    if (day !== undefined && day < today) {
      await request.chat.say(`${day} has passed: give your last day away, today or later.`);
      return;
    }
    await deps.away.set(addresses, day, deps.now());
    deps.logger.info({ until: day ?? 'back' }, 'a contact is away');
    await request.chat.say(`Noted: round-robin routes skip you ${day === undefined ? 'until you type **back**' : `until the end of ${day} (UTC)`}. Leads sent to everyone still reach you.`);
  },
};

export const backCommand: Command = {
  name: 'back',
  koreanNames: ['복귀'],
  usage: 'command.back.usage',
  summary: 'command.back.summary',
  takesArgument: false,
  adminsOnly: () => false,
  personalOnly: true,
  async run(request, deps) {
    const addresses = await callerAddresses(request, deps);
    if (addresses === undefined) return;
    await deps.away.clear(addresses);
    deps.logger.info('a contact is back');
    await request.chat.say('Welcome back: round-robin routes give you leads in turn again.');
  },
};

/** The caller's e-mail and UPN, as routes name people; undefined (having said why) outside a personal chat we know. */
async function callerAddresses({ chat, where }: CommandRequest, deps: CommandDeps): Promise<string[] | undefined> {
  if (where !== 'personal') {
    await chat.say(ONLY_PERSONAL);
    return undefined;
  }
  const addresses = addressesOf(await deps.installations.get(chat.conversationId));
  if (addresses.length === 0) await chat.say('I do not know your e-mail address in Teams yet: type **help** once, then try again.');
  return addresses.length === 0 ? undefined : addresses;
}
