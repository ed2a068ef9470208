import { CardFactory, type Attachment, type CloudAdapter } from 'botbuilder';
import type { DynamicsStanding } from '../cards/lead-card';
import type { CardCopies, LeadCardIn } from '../commands/command';
import type { Reader } from '../language/language';
import { readerOf } from '../conversations/reader-of';
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
  /** BOT_LANGUAGE and BOT_TIME_ZONE: each copy is in its chat's reader's language (readerOf), this where none is known. */
  readonly reader: Reader;
  readonly logger: Logger;
}

/**
 * Replaces every copy of a lead's card that was sent (but the one in `except`, answered already;
 * with `onlyStale`, also those that show the Dynamics standing `shows` already) with `card` in its
 * chat's language, which shows `shows`, and records that each copy does. One copy that cannot be updated never stops the
 * others; all wait together, each taking its turn of Teams' rate limits as an update (after new
 * cards to the same chat).
 */
export async function updateCardCopies(leadId: string, card: LeadCardIn, shows: DynamicsStanding['state'], deps: CardCopiesDeps, options: { except?: string; onlyStale?: boolean } = {}): Promise<void> {
  const copies = (await deps.deliveries.forLead(leadId)).filter(
    (d) => d.status === 'sent' && d.activityId !== undefined && d.conversationId !== options.except && !(options.onlyStale === true && d.shows === shows),
  );
  const built = new Map<string, Attachment>();
  const cardFor = (reader: Reader): Attachment => {
    let update = built.get(reader.language);
    if (update === undefined) {
      update = CardFactory.adaptiveCard(card(reader));
      built.set(reader.language, update);
    }
    return update;
  };
  await Promise.all(
    copies.map(async (copy) => {
      try {
        const installation = await deps.installations.get(copy.conversationId);
        if (installation === undefined) return;
        const update = cardFor(readerOf(installation, deps.reader));
        await deps.limiter.send(
          copy.conversationId,
          () => inConversation(deps.adapter, deps.botAppId, installation.reference, (context) => context.updateActivity({ type: 'message', id: copy.activityId, attachments: [update] })),
          { update: true },
        );
        // A later refresh then knows what this copy says (a claim may have replaced a newer card with an older standing).
        if (copy.shows !== shows) await deps.deliveries.recordShows(leadId, copy.conversationId, shows);
      } catch (error) {
        deps.logger.warn({ leadId, err: error }, 'a copy of the lead card could not be updated');
      }
    }),
  );
}

/** Every copy of a lead's card, as the card actions update them (a claim). */
export function cardCopies(deps: CardCopiesDeps): CardCopies {
  return { update: (leadId, card, shows, except) => updateCardCopies(leadId, card, shows, deps, except === undefined ? {} : { except }) };
}
