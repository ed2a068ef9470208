import { Template } from 'adaptivecards-templating';
import { formatTime } from './format-time';
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
export function rotationCard(input: RotationCardInput): AdaptiveCardJson {
  return new Template(template).expand({
    $root: {
      ...input,
      generatedAt: formatTime(input.generatedAt),
      credentials: input.credentials.map((c) => ({ ...c, color: c.urgent ? 'Attention' : 'Default' })),
    },
  }) as AdaptiveCardJson;
}
