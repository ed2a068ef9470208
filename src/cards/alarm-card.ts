import { Template } from 'adaptivecards-templating';
import type { Reader } from '../language/language';
import { message, templateText } from '../language/messages';
import { formatTime } from '../language/times';
import type { AdaptiveCardJson } from './lead-card';
import template from './alarm-card.json';

/** The alarm admins get once when leads start waiting on a problem only they can fix; message and fix in the reader's words already. */
export function alarmCard(incident: { readonly code: string; readonly message: string; readonly fix: string; readonly since: string }, reader: Reader): AdaptiveCardJson {
  return new Template(template).expand({
    $root: {
      ...incident,
      text: templateText(reader.language, 'alarmCard.'),
      fallbackText: message(reader.language, 'alarmCard.fallbackText', { message: incident.message }),
      since: formatTime(incident.since, reader),
    },
  }) as AdaptiveCardJson;
}
