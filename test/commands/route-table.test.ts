import { COMMANDS, findCommand } from '../../src/commands/route-table';
import { commandWord } from '../../src/commands/command';
import { LANGUAGES } from '../../src/language/language';
import { message } from '../../src/language/messages';

const named = (text: string): [string, string] | undefined => {
  const found = findCommand(text);
  return found === undefined ? undefined : [found.command.name, found.argument];
};

describe('the route table', () => {
  it('matches each command by its whole name, whatever the case and surrounding spaces', () => {
    expect(named('status')).toEqual(['status', '']);
    expect(named('  STATUS \n')).toEqual(['status', '']);
    expect(named('\u00a0help')).toEqual(['help', '']);
    expect(named('subscribe')).toEqual(['subscribe', '']);
    expect(named('unsubscribe')).toEqual(['unsubscribe', '']);
  });

  it('never runs a command hidden inside other words', () => {
    for (const text of ['invalidate', 'status please', 'statuses', 'what is the status', 'help!', 'resubscribe', 'unsubscribed', 'retrying', 'the retry']) {
      expect([text, named(text)]).toEqual([text, undefined]);
    }
  });

  it('passes the words after a command that takes them', () => {
    expect(named('retry')).toEqual(['retry', '']);
    expect(named('Retry  all ')).toEqual(['retry', 'all']);
    expect(named('retry 7a327f16-0a0a-87a2-bf94-84a8e5bf6703')).toEqual(['retry', '7a327f16-0a0a-87a2-bf94-84a8e5bf6703']);
    // A command that takes none is not run with some.
    expect(named('status all')).toBeUndefined();
  });

  it('has one command per name, each fit for Teams\' command menu (title ≤ 32, description ≤ 128 characters)', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const command of COMMANDS) {
      expect(command.name).toMatch(/^[a-z]+$/);
      expect(command.name.length).toBeLessThanOrEqual(32);
      for (const language of LANGUAGES) {
        expect(message(language, command.summary).length).toBeLessThanOrEqual(128);
        expect(message(language, command.usage).startsWith(commandWord(command, language))).toBe(true);
      }
    }
  });
});
