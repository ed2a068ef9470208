import { leadCard } from '../cards/lead-card';
import { GUID } from '../leads/lead-id';
import { dynamicsStanding } from '../pipeline/dynamics-standing';
import type { CardAction } from './command';
import { messagesIn } from '../language/messages';

/**
 * "Claim" on a lead card: the first seller to press it owns the lead. The card answers at once
 * (Teams waits about 5 s for an invoke), saying who claimed it; the other copies of the card
 * are updated to match in the background. A later claim is refused by showing the owner.
 */
export const claimLeadAction: CardAction = {
  verb: 'claimLead',
  title: 'button.claim',
  adminsOnly: false,
  async handle(chat, data, caller, deps) {
    const leadId = (data as { leadId?: unknown } | undefined)?.leadId;
    const say = messagesIn(chat.reader.language);
    if (typeof leadId !== 'string' || !GUID.test(leadId)) return say('claim.noLead');
    // A lead is claimed from a card it was sent on (or by an admin): a hand-made action naming
    // another lead gets nothing, not even whether it exists.
    const delivered = (await deps.deliveries.get(leadId, chat.conversationId))?.status === 'sent';
    if (!delivered && !caller.isAdmin) return say('claim.noLead');
    const lead = await deps.leads.get(leadId);
    if (lead === undefined) return say('claim.gone');
    const outcome = await deps.leads.claim(leadId, { name: caller.displayName ?? '', aadObjectId: caller.aadObjectId, email: caller.email }, deps.now());
    // As stored now: the Dynamics standing may have changed since the card was sent.
    const current = (await deps.leads.get(leadId)) ?? lead;
    const standing = dynamicsStanding(current, (id) => deps.dynamics.recordUrl(id));
    const log = deps.logger.child({ leadId });
    if (outcome.won) {
      log.info('lead claimed');
      deps.owners.nudge();
      void deps.cardCopies.refresh(leadId, chat.conversationId).catch((err: unknown) => {
        log.warn({ err }, 'could not update every copy of the lead card');
      });
    }
    return leadCard({ lead: current, dynamics: standing }, chat.reader);
  },
};
