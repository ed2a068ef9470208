/** The languages the bot writes in: every message has both (en.json, ko.json). */
export const LANGUAGES = ['en', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language a Teams locale asks for: Korean for any Korean locale ("ko-KR", "ko"); undefined
 * for any other, which reads the deployment's BOT_LANGUAGE (so a Korean team whose Teams is in
 * English still reads Korean). Never an error: Teams may send any locale, or none.
 */
export function languageOfLocale(locale: string | undefined): Language | undefined {
  const primary = locale?.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return primary === 'ko' ? 'ko' : undefined;
}

/** Who reads what the bot writes: their language, and the team's time zone (BOT_TIME_ZONE). */
export interface Reader {
  readonly language: Language;
  /** An IANA time zone, checked at start-up ("Asia/Seoul", "UTC"). */
  readonly timeZone: string;
}

/** An IANA time zone name this runtime knows ("Asia/Seoul", "UTC"), as BOT_TIME_ZONE must be. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name.trim() !== '';
  } catch {
    return false;
  }
}
