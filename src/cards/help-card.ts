import { Template } from 'adaptivecards-templating';
import type { Language } from '../language/language';
import { message, templateText } from '../language/messages';
import template from './help-card.json';
import type { AdaptiveCardJson } from './lead-card';

export interface HelpCardInput {
  /** What this person may run here, in the route table's order, in the reader's words. */
  readonly commands: readonly { readonly usage: string; readonly summary: string }[];
  /** Commands only admins may run here, named so a non-admin knows they exist. */
  readonly adminCommands: readonly string[];
  /** The same commands' words in the other language, which work too. */
  readonly otherWords: readonly string[];
}

/** `help`: the commands this person may run in this conversation. */
export function helpCard(input: HelpCardInput, language: Language): AdaptiveCardJson {
  return new Template(template).expand({
    $root: {
      text: templateText(language, 'helpCard.'),
      commands: input.commands,
      fallbackText: message(language, 'helpCard.fallbackText', { commands: input.commands.map((c) => c.usage).join(', ') }),
      adminsOnly: input.adminCommands.length === 0 ? '' : message(language, 'helpCard.adminsOnly', { commands: input.adminCommands.join(', ') }),
      otherWords: message(language, 'helpCard.otherWords', { words: input.otherWords.join(', ') }),
    },
  }) as AdaptiveCardJson;
}
