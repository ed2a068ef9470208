import type { EscalationSettings } from '../config/settings';
import type { EscalationDue, EscalationStep } from '../storage/lead-store';

/**
 * The first escalation step of a lead announced at `from` (none when both steps are off). Leads
 * the sales team never has (test leads, the publisher's own domain) and do-not-contact leads,
 * which are for information, never escalate: the caller does not ask for them.
 */
export function firstEscalation(settings: EscalationSettings, from: Date): EscalationDue | undefined {
  if (settings.afterMinutes > 0) return { step: 1, at: minutesAfter(from, settings.afterMinutes) };
  return nextEscalation(settings, 1, from);
}

/** The step after `step`, counted from `from`, when the lead was announced. */
export function nextEscalation(settings: EscalationSettings, step: EscalationStep, from: Date): EscalationDue | undefined {
  return step === 1 && settings.toAdminsAfterMinutes > 0 ? { step: 2, at: minutesAfter(from, settings.toAdminsAfterMinutes) } : undefined;
}

function minutesAfter(from: Date, minutes: number): Date {
  return new Date(from.getTime() + minutes * 60_000);
}
