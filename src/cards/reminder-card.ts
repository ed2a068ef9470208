import { Template } from 'adaptivecards-templating';
import type { AdaptiveCardJson } from './lead-card';
import template from './reminder-card.json';
import type { Reader } from '../language/language';
import { message, templateText } from '../language/messages';
import type { Fact } from './status-card';

/** A credential-rotation reminder, already in words. */
export interface ReminderCardInput {
  readonly credentialId: string;
  readonly name: string;
  /** When it expires, in words: "expires in 7 days", "expired 2 days ago". */
  readonly when: string;
  /** Three days or fewer left: shown in red. */
  readonly urgent: boolean;
  /** What stops working when it expires; '' when the bot cannot say. */
  readonly consequence: string;
  readonly facts: readonly Fact[];
  /** Where to update it: the portal, then this bot's settings. */
  readonly steps: readonly string[];
  /** The date "I've rotated it" records ('' when it is read from Graph instead), and its suggestion. */
  readonly dateLabel: string;
  readonly suggestedDate: string;
  /** Once acted on: what was recorded. The card then shows this instead of the steps and buttons. */
  readonly confirmation?: string;
}

export function reminderCard(input: ReminderCardInput, reader: Reader): AdaptiveCardJson {
  return new Template(template).expand({
    $root: {
      ...input,
      text: templateText(reader.language, 'reminderCard.'),
      headline: reminderHeadline(input, reader),
      headlineColor: input.urgent ? 'Attention' : 'Warning',
      confirmation: input.confirmation ?? '',
    },
  }) as AdaptiveCardJson;
}

/** "Dynamics client secret expires in 7 days": the card's headline, and the notice's summary. */
export function reminderHeadline(input: ReminderCardInput, reader: Reader): string {
  return message(reader.language, 'reminderCard.headline', { name: input.name, when: input.when });
}
