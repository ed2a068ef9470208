import { CardFactory, type CloudAdapter } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/lead-card';
import type { CardCopies } from '../commands/command';
import type { Logger } from '../logging/create-logger';
import type { DeliveryStore } from '../conversations/delivery-store';
import type { InstallationStore } from '../conversations/installation-store';
import { inConversation } from './proactive';
import type { SendLimiter } from '../conversations/send-limiter';

export interface CardCopiesDeps {
  readonly adapter: CloudAdapter;
  readonly botAppId: string;
  readonly installations: InstallationStore;
  readonly deliveries: DeliveryStore;
  readonly limiter: SendLimiter;
  readonly logger: Logger;
}

/**
 * Replaces every copy of a lead's card that was sent (but the one in `except`, answered already,
 * and those whose Dynamics standing is `showing` already) with `card`. One copy that cannot be
 * updated never stops the others; all wait together, each taking its turn of Teams' rate limits
 * as an update (after new cards to the same chat).
 */
export async function updateCardCopies(leadId: string, card: AdaptiveCardJson, deps: CardCopiesDeps, except?: string, showing?: string): Promise<void> {
  const copies = (await deps.deliveries.forLead(leadId)).filter((d) => d.status === 'sent' && d.activityId !== undefined && d.conversationId !== except && (showing === undefined || d.shows !== showing));
  const update = CardFactory.adaptiveCard(card);
  await Promise.all(
    copies.map(async (copy) => {
      try {
        const installation = await deps.installations.get(copy.conversationId);
        if (installation === undefined) return;
        await deps.limiter.send(
          copy.conversationId,
          () => inConversation(deps.adapter, deps.botAppId, installation.reference, (context) => context.updateActivity({ type: 'message', id: copy.activityId, attachments: [update] })),
          { update: true },
        );
      } catch (error) {
        deps.logger.warn({ leadId, err: error }, 'a copy of the lead card could not be updated');
      }
    }),
  );
}

/** Every copy of a lead's card, as the card actions update them (a claim). */
export function cardCopies(deps: CardCopiesDeps): CardCopies {
  return { update: (leadId, card, except) => updateCardCopies(leadId, card, deps, except) };
}
