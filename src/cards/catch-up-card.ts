import { Template } from 'adaptivecards-templating';
import type { Lead } from '../leads/lead';
import { formatTime } from './format-time';
import { describeLead, type AdaptiveCardJson } from './lead-card';
import template from './catch-up-card.json';

/**
 * One message for someone who got the app late: the unclaimed leads they missed, each to show in
 * full (its card, to claim it, comes below). `shown` are those shown already.
 */
export function catchUpCard(leads: readonly Lead[], shown: ReadonlySet<string> = new Set()): AdaptiveCardJson {
  // Every Show button names the whole list, so the card can be redrawn after each.
  const leadIds = leads.map((l) => l.id).join(',');
  return new Template(template).expand({
    $root: {
      title: `${String(leads.length)} leads arrived before you had the app`,
      leads: leads.map((lead) => {
        const d = describeLead(lead);
        return { headline: d.headline, who: [d.who, d.role].filter((p) => p !== '').join(' — '), received: formatTime(lead.receivedAt), leadId: lead.id, leadIds, shown: shown.has(lead.id) };
      }),
    },
  }) as AdaptiveCardJson;
}
