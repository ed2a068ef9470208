import { leadCard } from '../cards/lead-card';
import { GUID } from '../leads/lead-id';
import { messagesIn, type MessageKey, type Messages } from '../language/messages';
import { dynamicsStanding } from '../pipeline/dynamics-standing';
import { DISQUALIFY_REASONS, type ActionRefused, type Claimant, type StoredLead } from '../storage/lead-store';
import type { Caller } from './caller';
import type { CardAction, Chat, CommandDeps } from './command';

/**
 * "Claim" on a lead card: the first seller to press it owns the lead. The card answers at once
 * (Teams waits about 5 s for an invoke), saying who claimed it; the other copies of the card
 * are updated to match in the background, and the claimer is made the owner in Dynamics after
 * (src/pipeline/lead-follow-ups.ts). A later claim is refused by showing the owner.
 */
export const claimLeadAction: CardAction = {
  verb: 'claimLead',
  title: 'button.claim',
  adminsOnly: false,
  async handle(chat, data, caller, deps) {
    const found = await leadOnCard(chat, data, caller, deps);
    if (typeof found === 'string') return found;
    const outcome = await deps.leads.claim(found.id, claimantOf(caller), deps.now());
    const card = await cardNow(found, chat, deps);
    if (outcome.won) acted(found.id, chat, deps, 'lead claimed');
    return card;
  },
};

/** "Mark contacted": the first touch, recorded for Dynamics too (Open, Contacted). An unclaimed lead becomes the seller's. */
export const markContactedAction = sellerAction('markContacted', 'button.markContacted', 'lead marked contacted', (lead, caller, _data, deps) =>
  deps.leads.markContacted(lead.id, claimantOf(caller), deps.now(), caller.isAdmin),
);

/** "Disqualify", with the reason chosen on the card: the lead's state and status reason in Dynamics too (Disqualified). */
export const disqualifyLeadAction = sellerAction('disqualifyLead', 'button.disqualify', 'lead disqualified', async (lead, caller, data, deps) => {
  // The card's choice set sends the reason as text.
  const reason = DISQUALIFY_REASONS.find((r) => String(r) === String((data as { reason?: unknown }).reason));
  return reason === undefined ? 'leadAction.noReason' : deps.leads.disqualify(lead.id, claimantOf(caller), reason, deps.now(), caller.isAdmin);
});

/**
 * A button that records what a seller did with a lead (`act`: refused, or a message key when the
 * card sent too little), then answers with the card as it stands and tells Dynamics and the other copies.
 */
function sellerAction(
  verb: string,
  title: MessageKey,
  logged: string,
  act: (lead: StoredLead, caller: Caller, data: unknown, deps: CommandDeps) => Promise<ActionRefused | MessageKey | undefined>,
): CardAction {
  return {
    verb,
    title,
    adminsOnly: false,
    async handle(chat, data, caller, deps) {
      const found = await leadOnCard(chat, data, caller, deps);
      if (typeof found === 'string') return found;
      const say = messagesIn(chat.reader.language);
      const outcome = await act(found, caller, data, deps);
      if (typeof outcome === 'string') return say(outcome);
      if (outcome !== undefined) return refusal(outcome, say);
      const card = await cardNow(found, chat, deps);
      acted(found.id, chat, deps, logged);
      return card;
    },
  };
}

/**
 * The lead a card action names, or why not, in the reader's words. A lead is acted on from a card
 * it was sent on (or by an admin): a hand-made action naming another lead gets nothing, not even
 * whether it exists. A test lead has nothing to act on.
 */
async function leadOnCard(chat: Chat, data: unknown, caller: Caller, deps: CommandDeps): Promise<StoredLead | string> {
  const say = messagesIn(chat.reader.language);
  const leadId = (data as { leadId?: unknown } | undefined)?.leadId;
  if (typeof leadId !== 'string' || !GUID.test(leadId)) return say('claim.noLead');
  // Any of its cards here: the lead's own, or an escalation's (a lead desk may have only that).
  const delivered = (await deps.deliveries.forLead(leadId)).some((d) => d.conversationId === chat.conversationId && d.status === 'sent');
  if (!delivered && !caller.isAdmin) return say('claim.noLead');
  const lead = await deps.leads.get(leadId);
  if (lead === undefined) return say('claim.gone');
  return lead.isTest ? say('leadAction.testLead') : lead;
}

/** Who acts, as Dynamics may know them. */
function claimantOf(caller: Caller): Claimant {
  return { name: caller.displayName ?? '', aadObjectId: caller.aadObjectId, email: caller.email };
}

/** After an action (its answer built first, so it shows the action as just taken): Dynamics is told, and the other copies of the card show it. */
function acted(leadId: string, chat: Chat, deps: CommandDeps, what: string): void {
  const log = deps.logger.child({ leadId });
  log.info(what);
  deps.followUps.nudge();
  void deps.cardCopies.refresh(leadId, { conversationId: chat.conversationId, activityId: chat.cardId }).catch((err: unknown) => {
    log.warn({ err }, 'could not update every copy of the lead card');
  });
}

/** The card as the lead is stored now (the Dynamics standing may have changed since it was sent). */
async function cardNow(lead: StoredLead, chat: Chat, deps: CommandDeps): Promise<ReturnType<typeof leadCard>> {
  const current = (await deps.leads.get(lead.id)) ?? lead;
  return leadCard({ lead: current, dynamics: dynamicsStanding(current, (id) => deps.dynamics.recordUrl(id)) }, chat.reader);
}

function refusal(refused: ActionRefused, say: Messages): string {
  // Someone Teams gave no name is "a colleague", in a sentence built for it.
  return say(`leadAction.${refused.refused}`, { name: refused.by, named: refused.by === '' ? 'no' : 'yes' });
}
