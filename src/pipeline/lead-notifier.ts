import type { Logger } from '../logging/create-logger';
import type { StoredLead } from '../storage/lead-store';

/** Tells people about a lead once it is in Dynamics. The Teams delivery plugs in here. */
export interface LeadNotifier {
  /** Must be safe to call again for the same lead (the pipeline retries after failures). */
  notify(lead: StoredLead, dynamicsUrl: string | undefined): Promise<void>;
}

/** Until a delivery channel is configured, the log says a lead is ready for the sales team. */
export function logOnlyNotifier(logger: Logger): LeadNotifier {
  return {
    notify(lead, dynamicsUrl) {
      logger.child({ leadId: lead.id }).info(
        { isTest: lead.isTest, doNotContact: lead.doNotContact, dynamicsUrl },
        lead.isTest ? 'test lead written; the sales team is not told' : 'lead ready for the sales team',
      );
      return Promise.resolve();
    },
  };
}
