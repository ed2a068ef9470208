import { CardFactory } from 'botbuilder';
import { leadCard, type AdaptiveCardJson } from '../cards/lead-card';
import type { CardAction, CommandDeps } from '../commands/command';
import { GUID } from '../leads/lead-id';
import { conversationIdOf } from './conversation-key';
import { inConversation } from './proactive';

/**
 * "Claim" on a lead card: the first seller to press it owns the lead. The card answers at once
 * (Teams waits about 5 s for an invoke), saying who claimed it; the other copies of the card
 * are updated to match in the background. A later claim is refused by showing the owner.
 */
export const claimLeadAction: CardAction = {
  verb: 'claimLead',
  title: 'Claim',
  adminsOnly: false,
  async handle(turn, data, _caller, deps) {
    const leadId = (data as { leadId?: unknown } | undefined)?.leadId;
    if (typeof leadId !== 'string' || !GUID.test(leadId)) return 'This card does not name a lead.';
    const lead = await deps.leads.get(leadId);
    if (lead === undefined) return 'This lead is no longer available.';
    const claimant = turn.activity.from.name || 'a colleague';
    const outcome = await deps.leads.claim(leadId, claimant, deps.now());
    const dynamicsUrl = lead.dynamicsId === undefined ? undefined : deps.dynamics.recordUrl(lead.dynamicsId);
    const card = leadCard({ lead, dynamicsUrl, claimedBy: outcome.claimedBy });
    const log = deps.logger.child({ leadId });
    if (outcome.won) {
      log.info('lead claimed');
      void updateOtherCopies(leadId, conversationIdOf(turn.activity.conversation.id), card, deps).catch((err: unknown) => {
        log.warn({ err }, 'could not update every copy of the lead card');
      });
    }
    return card;
  },
};

async function updateOtherCopies(leadId: string, claimedIn: string, card: AdaptiveCardJson, deps: CommandDeps): Promise<void> {
  const copies = (await deps.deliveries.forLead(leadId)).filter((d) => d.status === 'sent' && d.activityId !== undefined && d.conversationId !== claimedIn);
  for (const copy of copies) {
    const installation = await deps.installations.get(copy.conversationId);
    if (installation === undefined) continue;
    await deps.limiter.take(copy.conversationId);
    await inConversation(deps.bot.adapter, deps.settings.bot?.id ?? '', installation.reference, (context) =>
      context.updateActivity({ type: 'message', id: copy.activityId, attachments: [CardFactory.adaptiveCard(card)] }),
    ).catch((error: unknown) => {
      deps.logger.warn({ leadId, err: error }, 'a copy of the claimed lead card could not be updated');
    });
  }
}
