import { Template } from 'adaptivecards-templating';
import type { Reader } from '../language/language';
import { message, templateText } from '../language/messages';
import { formatTime } from '../language/times';
import type { Lead } from '../leads/lead';
import { describeLead, type AdaptiveCardJson } from './lead-card';
import template from './catch-up-card.json';

/**
 * One message for someone who got the app late: the unclaimed leads they missed, each to show in
 * full (its card, to claim it, comes below). `shown` are those shown already.
 */
export function catchUpCard(leads: readonly Lead[], reader: Reader, shown: ReadonlySet<string> = new Set()): AdaptiveCardJson {
  const { language } = reader;
  // Every Show button names the whole list, so the card can be redrawn after each.
  const leadIds = leads.map((l) => l.id).join(',');
  return new Template(template).expand({
    $root: {
      text: templateText(language, 'catchUpCard.'),
      title: message(language, 'catchUpCard.title', { count: leads.length }),
      leads: leads.map((lead) => {
        const d = describeLead(lead, reader);
        const received = message(language, 'catchUpCard.received', { when: formatTime(lead.receivedAt, reader) });
        return { headline: d.headline, who: [d.who, d.role].filter((p) => p !== '').join(' — '), received, leadId: lead.id, leadIds, shown: shown.has(lead.id) };
      }),
    },
  }) as AdaptiveCardJson;
}
