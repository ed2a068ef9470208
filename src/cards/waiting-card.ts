import { Template } from 'adaptivecards-templating';
import { formatTime } from './format-time';
import type { AdaptiveCardJson } from './lead-card';
import template from './waiting-card.json';

/** Leads not getting into Dynamics, as the admins are told once per incident. */
export interface WaitingLeads {
  /** Leads not written after the waiting limit. */
  readonly waiting: number;
  /** When the oldest of them arrived. */
  readonly oldestSince: string | undefined;
  readonly deadLettered: number;
  /** The most common reason, its code and fix, in the catalog's words. */
  readonly code: string;
  readonly message: string;
  readonly fix: string;
}

export function waitingCard(w: WaitingLeads): AdaptiveCardJson {
  const facts = [
    w.waiting > 0 ? { title: 'Waiting over 15 min', value: `${String(w.waiting)} lead(s), the oldest since ${formatTime(w.oldestSince ?? '')}` } : undefined,
    w.deadLettered > 0 ? { title: 'Dead-lettered', value: `${String(w.deadLettered)} lead(s)` } : undefined,
    w.code === '' ? undefined : { title: 'Error code', value: w.code },
  ].filter((f) => f !== undefined);
  const title = w.waiting > 0 ? 'Leads are waiting for Dynamics' : w.code === 'LEAD_NOT_FINISHED' ? 'Leads could not be finished' : 'Leads could not be written to Dynamics';
  return new Template(template).expand({ $root: { ...w, title, facts } }) as AdaptiveCardJson;
}
