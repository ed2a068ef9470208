import { CardFactory, type CloudAdapter } from 'botbuilder';
import type { DynamicsStanding } from '../cards/lead-card';
import type { AnsweredCopy, CardCopies, CardView } from '../commands/command';
import type { Reader } from '../language/language';
import { readerOf } from '../conversations/reader-of';
import type { Logger } from '../logging/create-logger';
import type { Delivery, DeliveryStore } from '../conversations/delivery-store';
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
 * Replaces every copy of a lead's card that was sent (but the one `except`, answered already;
 * with `onlyStale`, also those that show `view`'s Dynamics standing already) with the card
 * `view` gives when the copy's turn comes, in its chat's language, and records what each copy
 * shows. One copy that cannot be updated never stops the others; all wait together, each taking
 * its turn of Teams' rate limits as an update (after new cards to the same chat).
 */
export async function updateCardCopies(
  leadId: string,
  view: () => Promise<CardView | undefined>,
  deps: CardCopiesDeps,
  options: { except?: AnsweredCopy; onlyStale?: DynamicsStanding['state'] } = {},
): Promise<void> {
  const sent = (await deps.deliveries.forLead(leadId)).filter((d) => d.status === 'sent' && d.activityId !== undefined);
  const answered = answeredOf(sent, options.except);
  const copies = sent.filter((d) => d !== answered && !(options.onlyStale !== undefined && d.shows === options.onlyStale));
  await Promise.all(
    copies.map(async (copy) => {
      try {
        const installation = await deps.installations.get(copy.conversationId);
        if (installation === undefined) return;
        let shows: DynamicsStanding['state'] | undefined;
        await deps.limiter.send(
          copy.conversationId,
          async () => {
            // Rendered now, not when queued: a refresh queued earlier never overwrites a later one's news.
            const now = await view();
            if (now === undefined) return;
            shows = now.shows;
            const card = CardFactory.adaptiveCard(now.card(readerOf(installation, deps.reader)));
            await inConversation(deps.adapter, deps.botAppId, installation.reference, (context) => context.updateActivity({ type: 'message', id: copy.activityId, attachments: [card] }));
          },
          { update: true },
        );
        // A later refresh then knows what this copy says (a claim may have replaced a newer card with an older standing).
        if (shows !== undefined && copy.shows !== shows) await deps.deliveries.recordShows(copy, shows);
      } catch (error) {
        deps.logger.warn({ leadId, err: error }, 'a copy of the lead card could not be updated');
      }
    }),
  );
}

/**
 * The copy a card action is answered on: the one the client names, if it is one of the bot's
 * copies in that chat; else the chat's first (the lead's own card), which an Action.Submit answer
 * replaces. Teams itself names the card pressed; a client naming another message changes nothing else.
 */
export function answeredOf(copies: readonly Delivery[], answered: AnsweredCopy | undefined): Delivery | undefined {
  if (answered === undefined) return undefined;
  const here = copies.filter((d) => d.conversationId === answered.conversationId);
  return here.find((d) => d.activityId === answered.activityId) ?? here.find((d) => (d.round ?? 0) === 0);
}

/** Every copy of a lead's card, as the card actions and the owner write-back refresh them; `view` reads the lead as stored. */
export function cardCopies(deps: CardCopiesDeps, view: (leadId: string) => Promise<CardView | undefined>): CardCopies {
  return { refresh: (leadId, answered) => updateCardCopies(leadId, () => view(leadId), deps, answered === undefined ? {} : { except: answered }) };
}
