import { languageOfLocale, type Reader } from '../language/language';
import type { Installation } from './installation-store';

/**
 * Who reads what the bot writes to a chat. The chat's own language when one was chosen there
 * (`subscribe ko`); in a personal chat, Korean when the person's Teams is in Korean (the locale
 * of their last message, kept with the chat); else the deployment's BOT_LANGUAGE. The time zone
 * is always the team's (BOT_TIME_ZONE).
 */
export function readerOf(chat: Pick<Installation, 'kind' | 'language' | 'reference'> | undefined, deployment: Reader): Reader {
  const own = chat?.language ?? (chat?.kind === 'personal' ? languageOfLocale(chat.reference.locale) : undefined);
  return { language: own ?? deployment.language, timeZone: deployment.timeZone };
}
