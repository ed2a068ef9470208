import type { Lead } from '../leads/lead';

/** Writes a lead into the CRM under the lead's own id, at most once however often it is called. */
export interface LeadWriter {
  write(lead: Lead): Promise<{ readonly recordId: string; readonly created: boolean }>;
  /** Where a person opens the record. */
  recordUrl(recordId: string): string | undefined;
}
