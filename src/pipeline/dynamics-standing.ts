import type { DynamicsStanding } from '../cards/lead-card';
import type { StoredLead } from '../storage/lead-store';

/**
 * Where a lead stands in Dynamics, in the sales team's terms (the card's "In Dynamics" line).
 * Derived from the stored lead alone, so every card built for it (the alert, a claim, an update)
 * says the same. Never the error's own text: that is for admins (`status`), not for the card.
 */
export function dynamicsStanding(lead: StoredLead, recordUrl: (recordId: string) => string | undefined): DynamicsStanding {
  if (lead.status === 'written' || lead.status === 'done') {
    return { state: 'written', url: lead.dynamicsId === undefined ? undefined : recordUrl(lead.dynamicsId) };
  }
  const kind = lead.lastErrorKind;
  if (lead.status === 'dead-lettered') return { state: 'failed', reason: kind === 'rejected' ? 'rejected' : 'gaveUp' };
  if (kind === 'configuration') return { state: 'pending', reason: 'configuration' };
  if (kind === 'transient') return { state: 'pending', reason: 'transient' };
  return { state: 'pending', reason: 'writing' };
}
