import { Template } from 'adaptivecards-templating';
import type { AdaptiveCardJson } from './lead-card';
import template from './reminder-card.json';
import type { Fact } from './status-card';

/** A credential-rotation reminder, already in words. */
export interface ReminderCardInput {
  readonly credentialId: string;
  readonly name: string;
  /** Calendar days to the expiry day; negative once overdue. */
  readonly daysLeft: number;
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

export function reminderCard(input: ReminderCardInput): AdaptiveCardJson {
  return new Template(template).expand({
    $root: {
      ...input,
      headline: `${input.name} ${whenItExpires(input.daysLeft)}`,
      headlineColor: input.daysLeft <= 3 ? 'Attention' : 'Warning',
      confirmation: input.confirmation ?? '',
    },
  }) as AdaptiveCardJson;
}

/** "expires in 7 days", "expires today", "expired 2 days ago". */
export function whenItExpires(daysLeft: number): string {
  if (daysLeft > 1) return `expires in ${String(daysLeft)} days`;
  if (daysLeft === 1) return 'expires tomorrow';
  if (daysLeft === 0) return 'expires today';
  return `expired ${String(-daysLeft)} day${daysLeft === -1 ? '' : 's'} ago`;
}
