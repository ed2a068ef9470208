import { addressesOf } from '../conversations/installation-store';
import { calendarDateIn, parseCalendarDate } from '../timing/calendar-date';
import type { Command, CommandDeps, CommandRequest } from './command';
import { message, messagesIn } from '../language/messages';

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
    const say = messagesIn(request.chat.reader.language);
    const words = request.argument.split(/\s+/).filter((w) => w !== '');
    const [until, date] = words;
    if (words.length > 0 && (words.length !== 2 || until?.toLowerCase() !== 'until')) {
      await request.chat.say(say('away.usage'));
      return;
    }
    const lastDay = date === undefined ? undefined : parseCalendarDate(date);
    if (date !== undefined && lastDay === undefined) {
      await request.chat.say(say('away.notADate', { text: date.slice(0, 20) }));
      return;
    }
    // Days are the team's (BOT_TIME_ZONE): "until Friday" ends when Friday ends there.
    const today = calendarDateIn(deps.now(), deps.settings.reader.timeZone);
    const day = lastDay?.toISOString().slice(0, 10);
    if (day !== undefined && day < today) {
      await request.chat.say(say('away.passed', { day }));
      return;
    }
    await deps.away.set(addresses, day, deps.now());
    deps.logger.info({ until: day ?? 'back' }, 'a contact is away');
    await request.chat.say(say('away.noted', { day: day ?? 'none', zone: deps.settings.reader.timeZone }));
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
    await request.chat.say(message(request.chat.reader.language, 'away.back'));
  },
};

/** The caller's e-mail and UPN, as routes name people; undefined (having said why) outside a personal chat we know. */
async function callerAddresses({ chat, where }: CommandRequest, deps: CommandDeps): Promise<string[] | undefined> {
  if (where !== 'personal') {
    await chat.say(message(chat.reader.language, 'away.onlyPersonal'));
    return undefined;
  }
  const addresses = addressesOf(await deps.installations.get(chat.conversationId));
  if (addresses.length === 0) await chat.say(message(chat.reader.language, 'away.unknownAddress'));
  return addresses.length === 0 ? undefined : addresses;
}
