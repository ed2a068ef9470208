import { Template } from 'adaptivecards-templating';
import { formatTime } from './format-time';
import type { AdaptiveCardJson } from './lead-card';
import template from './alarm-card.json';

/** The alarm admins get once when leads start waiting on a problem only they can fix. */
export function alarmCard(incident: { readonly code: string; readonly message: string; readonly fix: string; readonly since: string }): AdaptiveCardJson {
  return new Template(template).expand({ $root: { ...incident, since: formatTime(incident.since) } }) as AdaptiveCardJson;
}
