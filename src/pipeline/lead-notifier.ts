import type { StoredLead } from '../storage/lead-store';

/** Tells people about a lead once it is in Dynamics (Teams: src/teams/teams-notifier.ts). */
export interface LeadNotifier {
  /** Must be safe to call again for the same lead (the pipeline retries after failures). */
  notify(lead: StoredLead, dynamicsUrl: string | undefined): Promise<void>;
}
