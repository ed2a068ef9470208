import { Template } from 'adaptivecards-templating';
import type { Reader } from '../language/language';
import { messagesIn, templateText } from '../language/messages';
import { formatTime } from '../language/times';
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

/** The card for one reader: `w`'s message and fix in their words already. */
export function waitingCard(w: WaitingLeads, reader: Reader): AdaptiveCardJson {
  const say = messagesIn(reader.language);
  const facts = [
    w.waiting > 0 ? { title: say('waitingCard.waitingOver'), value: say('waitingCard.waitingValue', { count: w.waiting, since: formatTime(w.oldestSince ?? '', reader) }) } : undefined,
    w.deadLettered > 0 ? { title: say('waitingCard.deadLettered'), value: say('waitingCard.deadLetteredValue', { count: w.deadLettered }) } : undefined,
    w.code === '' ? undefined : { title: say('waitingCard.errorCode'), value: w.code },
  ].filter((f) => f !== undefined);
  const title = say(w.waiting > 0 ? 'waitingCard.waiting' : w.code === 'LEAD_NOT_FINISHED' ? 'waitingCard.notFinished' : 'waitingCard.notWritten');
  return new Template(template).expand({
    $root: { ...w, text: templateText(reader.language, 'waitingCard.'), fallbackText: say('waitingCard.fallbackText', { title, message: w.message }), title, facts },
  }) as AdaptiveCardJson;
}
