import { Template } from 'adaptivecards-templating';
import type { Reader } from '../language/language';
import { formatTime } from '../language/times';
import { message, templateText } from '../language/messages';
import type { AdaptiveCardJson } from './lead-card';
import template from './rotation-card.json';
import type { Fact } from './status-card';

export interface RotationCardInput {
  readonly generatedAt: string;
  readonly credentials: readonly { readonly id: string; readonly name: string; readonly urgent: boolean; readonly facts: readonly Fact[] }[];
  /** Why reminders cannot reach anyone, when they cannot; '' otherwise. */
  readonly warning: string;
  readonly usage: string;
}

/** `rotation`: every credential the bot watches, its expiry and the next reminder. */
export function rotationCard(input: RotationCardInput, reader: Reader): AdaptiveCardJson {
  return new Template(template).expand({
    $root: {
      ...input,
      text: templateText(reader.language, 'rotationCard.'),
      asOf: message(reader.language, 'rotationCard.asOf', { time: formatTime(input.generatedAt, reader) }),
      credentials: input.credentials.map((c) => ({ ...c, color: c.urgent ? 'Attention' : 'Default' })),
    },
  }) as AdaptiveCardJson;
}
