import { Template } from 'adaptivecards-templating';
import template from './help-card.json';
import type { AdaptiveCardJson } from './lead-card';

export interface HelpCardInput {
  /** What this person may run here, in the route table's order. */
  readonly commands: readonly { readonly usage: string; readonly summary: string }[];
  /** Commands only admins may run here, named so a non-admin knows they exist. */
  readonly adminCommands: readonly string[];
}

/** `help`: the commands this person may run in this conversation. */
export function helpCard(input: HelpCardInput): AdaptiveCardJson {
  return new Template(template).expand({
    $root: {
      intro: 'I post new marketplace leads to Teams as they arrive and write them into Dynamics 365. Type:',
      commands: input.commands,
      fallback: input.commands.map((c) => c.usage).join(', '),
      adminsOnly: input.adminCommands.length === 0 ? '' : `Admins can also run: ${input.adminCommands.join(', ')}.`,
    },
  }) as AdaptiveCardJson;
}
