import type { AdaptiveCard } from '@microsoft/teams-ai';
import { CardFactory, type TurnContext } from 'botbuilder';
import { leadCard, type AdaptiveCardJson } from '../cards/lead-card';
import { GUID } from '../leads/lead-id';
import type { Logger } from '../logging/create-logger';
import type { LeadStore } from '../storage/lead-store';
import type { Bot } from './bot';
import type { DeliveryStore } from './delivery-store';
import type { InstallationStore } from './installation-store';

export interface ClaimDeps {
  readonly leads: LeadStore;
  readonly deliveries: DeliveryStore;
  readonly installations: InstallationStore;
  readonly botAppId: string;
  readonly recordUrl: (dynamicsId: string) => string | undefined;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * "Claim" on a lead card: the first seller to press it owns the lead. The card answers at once
 * (Teams waits about 5 s for an invoke), saying who claimed it; the other copies of the card
 * are updated to match in the background. A later claim is refused by showing the owner.
 */
export function registerClaim(bot: Bot, deps: ClaimDeps): void {
  const claim = async (context: TurnContext, data: unknown): Promise<AdaptiveCardJson | string> => {
    const leadId = (data as { leadId?: unknown } | undefined)?.leadId;
    if (typeof leadId !== 'string' || !GUID.test(leadId)) return 'This card does not name a lead.';
    const lead = await deps.leads.get(leadId);
    if (lead === undefined) return 'This lead is no longer available.';
    const claimant = context.activity.from.name || 'a colleague';
    const outcome = await deps.leads.claim(leadId, claimant, deps.now());
    const card = leadCard({ lead, dynamicsUrl: lead.dynamicsId === undefined ? undefined : deps.recordUrl(lead.dynamicsId), claimedBy: outcome.claimedBy });
    const log = deps.logger.child({ leadId });
    if (outcome.won) {
      log.info('lead claimed');
      void updateOtherCards(leadId, context.activity.conversation.id, card, bot, deps).catch((err: unknown) => {
        log.warn({ err }, 'could not update every copy of the lead card');
      });
    }
    return card;
  };

  // teams-ai types the answer as its own AdaptiveCard interface; ours is the same JSON.
  bot.app.adaptiveCards.actionExecute('claimLead', async (context, _state, data) => (await claim(context, data)) as AdaptiveCard | string);
  // Clients without Universal Actions send the Action.Submit fallback: answer in the chat and refresh the card.
  bot.app.adaptiveCards.actionSubmit('claimLead', async (context, _state, data) => {
    const answer = await claim(context, data);
    if (typeof answer === 'string') {
      await context.sendActivity(answer);
      return;
    }
    if (context.activity.replyToId !== undefined) {
      await context.updateActivity({ type: 'message', id: context.activity.replyToId, attachments: [CardFactory.adaptiveCard(answer)] });
    }
  });
}

async function updateOtherCards(leadId: string, claimedIn: string, card: AdaptiveCardJson, bot: Bot, deps: ClaimDeps): Promise<void> {
  const copies = (await deps.deliveries.forLead(leadId)).filter((d) => d.status === 'sent' && d.activityId !== undefined && d.conversationId !== claimedIn);
  for (const copy of copies) {
    const installation = await deps.installations.get(copy.conversationId);
    if (installation === undefined) continue;
    await bot.adapter.continueConversationAsync(deps.botAppId, installation.reference, async (context) => {
      await context.updateActivity({ type: 'message', id: copy.activityId, attachments: [CardFactory.adaptiveCard(card)] });
    });
  }
}
