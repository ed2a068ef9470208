import type { LeadWriter } from '../pipeline/lead-writer';
import type { DataverseClient } from './dataverse-client';
import { mapLead } from './map-lead';

export function dynamicsLeadWriter(client: DataverseClient, leadSourceCode: number): LeadWriter {
  return {
    async write(lead) {
      const { id, created } = await client.createLead(mapLead(lead, leadSourceCode));
      return { recordId: id, created };
    },
    recordUrl: (id) => client.recordUrl(id),
  };
}
