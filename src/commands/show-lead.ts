import { catchUpCard } from '../cards/catch-up-card';
import { leadCard } from '../cards/lead-card';
import { addressesOf } from '../conversations/installation-store';
import { GUID } from '../leads/lead-id';
import { audienceOf } from '../routing/route-lead';
import { dynamicsStanding } from '../pipeline/dynamics-standing';
import type { StoredLead } from '../storage/lead-store';
import type { CardAction } from './command';
import { messagesIn } from '../language/messages';

/**
 * "Show" on the catch-up message: the lead's full card comes below (recorded as its delivery to
 * this chat, so Claim and updates work as for any card), and the list marks it shown. Only in a
 * contact's own chat, where the catch-up went: a lead is for the people it was sent to, never
 * for a channel or group chat an admin happens to be in.
 */
export const showLeadAction: CardAction = {
  verb: 'showLead',
  title: 'button.show',
  adminsOnly: false,
  async handle(chat, data, _caller, deps) {
    const { leadId, leadIds } = (data ?? {}) as { leadId?: unknown; leadIds?: unknown };
    const ids = typeof leadIds === 'string' ? leadIds.split(',').filter((id) => GUID.test(id)).slice(0, 50) : [];
    const say = messagesIn(chat.reader.language);
    if (typeof leadId !== 'string' || !ids.includes(leadId)) return say('claim.noLead');
    const conversationId = chat.conversationId;
    const installation = await deps.installations.get(conversationId);
    const lead = await deps.leads.get(leadId);
    const addressees = audienceOf(lead?.routing, deps.settings).contacts;
    const isContact = installation?.kind === 'personal' && addressesOf(installation).some((a) => addressees.includes(a));
    if (!isContact) return say('show.notYours');
    if (lead === undefined || lead.isTest) return say('claim.gone');
    const recordUrl = (id: string): string | undefined => deps.dynamics.recordUrl(id);
    // Taken before it is shown, so a second click (or a pass delivering it meanwhile) shows it once.
    if (await deps.deliveries.start(leadId, conversationId, deps.now())) {
      const card = leadCard({ lead, dynamics: dynamicsStanding(lead, recordUrl) }, chat.reader);
      const sent = await chat.say({ card, summary: say('show.summary') });
      await deps.deliveries.record({ leadId, conversationId, status: 'sent', activityId: sent, error: undefined, at: deps.now().toISOString() });
    }
    const leads = (await Promise.all(ids.map((id) => deps.leads.get(id)))).filter((l): l is StoredLead => l !== undefined && !l.isTest);
    const shown = new Set<string>();
    for (const l of leads) if ((await deps.deliveries.get(l.id, conversationId))?.status === 'sent') shown.add(l.id);
    return catchUpCard(leads, chat.reader, shown);
  },
};
