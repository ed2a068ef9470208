import type { DynamicsStanding } from '../cards/lead-card';
import type { StoredLead } from '../storage/lead-store';

/** Tells people about a lead, whatever Dynamics is doing (Teams: src/teams/teams-notifier.ts). */
export interface LeadNotifier {
  /**
   * Alerts everyone the lead is for, once each, saying where it stands in Dynamics. Safe to call
   * again for the same lead (the pipeline retries after failures): only those not served yet get it.
   */
  notify(lead: StoredLead, dynamics: DynamicsStanding): Promise<void>;
  /** Shows a new Dynamics standing (written, or given up) on every copy already sent. */
  refresh(lead: StoredLead, dynamics: DynamicsStanding): Promise<void>;
}
