import { isLiteralElement } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import en from './en.json';
import ko from './ko.json';
import type { Language } from './language';

/** Every message the bot writes has a key in each catalogue; English's keys are the list. */
export type MessageKey = keyof typeof en;

/** Values put into a message's placeholders: text from a lead goes in as it is, never translated. */
export type MessageValues = Readonly<Record<string, string | number>>;

/** One catalogue per language, ICU MessageFormat strings (plurals, placeholders). Korean must have every English key. */
const CATALOGUES: Readonly<Record<Language, Readonly<Record<MessageKey, string>>>> = { en, ko };

const formats = new Map<string, IntlMessageFormat>();

/** The message parsed once (ICU MessageFormat; tags are plain text, as Teams' markdown has none). */
function formatOf(language: Language, key: MessageKey): IntlMessageFormat {
  const id = `${language}\u0000${key}`;
  let format = formats.get(id);
  if (format === undefined) {
    format = new IntlMessageFormat(CATALOGUES[language][key], language, undefined, { ignoreTag: true });
    formats.set(id, format);
  }
  return format;
}

/** The message `key` in `language`, its placeholders filled. */
export function message(language: Language, key: MessageKey, values: MessageValues = {}): string {
  const text = formatOf(language, key).format(values);
  // Only strings and numbers go in, so the result is always one string.
  return typeof text === 'string' ? text : String(text);
}

/** The messages of one reader's language: `say('help.intro')`. */
export type Messages = (key: MessageKey, values?: MessageValues) => string;

export function messagesIn(language: Language): Messages {
  return (key, values) => message(language, key, values);
}

/**
 * The messages a card template reads: those whose keys start with `prefix` ("leadCard.") and
 * have no placeholders, by the rest of their key. The template says `${$root.text.claim}` for
 * `leadCard.claim`; messages with placeholders are filled by the card's code.
 */
export function templateText(language: Language, prefix: string): Readonly<Record<string, string>> {
  const plain = (key: MessageKey): boolean => formatOf(language, key).getAst().every(isLiteralElement);
  return Object.fromEntries(
    (Object.keys(CATALOGUES.en) as MessageKey[]).filter((key) => key.startsWith(prefix) && plain(key)).map((key) => [key.slice(prefix.length), message(language, key)]),
  );
}

/** The raw catalogues, for the test that keeps them whole. */
export function catalogues(): Readonly<Record<Language, Readonly<Record<string, string>>>> {
  return CATALOGUES;
}
