import { odata, type TableClient } from '@azure/data-tables';
import { isNotFound } from '../storage/storage-errors';
import { conversationRowKey } from './conversation-key';

/** One lead card to one conversation. */
export interface Delivery {
  readonly leadId: string;
  readonly conversationId: string;
  readonly status: 'sent' | 'failed';
  /** The Teams message id, to update the card later (claims). */
  readonly activityId: string | undefined;
  readonly error: string | undefined;
  readonly at: string;
}

/**
 * What was delivered to whom, per lead, so a retried or restarted notification never sends
 * the same card to a conversation twice, and failures stay visible.
 */
export class DeliveryStore {
  constructor(private readonly table: TableClient) {}

  async forLead(leadId: string): Promise<Delivery[]> {
    const found: Delivery[] = [];
    const rows = this.table.listEntities<Delivery>({ queryOptions: { filter: `PartitionKey eq '${leadId.replace(/'/g, "''")}'` } });
    for await (const row of rows) {
      found.push(toDelivery(row));
    }
    return found;
  }

  /** Deliveries that finally failed since a time, for `status` (a scan; failures are few). */
  async failuresSince(since: Date): Promise<Delivery[]> {
    const found: Delivery[] = [];
    const rows = this.table.listEntities<Delivery>({ queryOptions: { filter: odata`status eq ${'failed'} and at ge ${since.toISOString()}` } });
    for await (const row of rows) found.push(toDelivery(row));
    return found;
  }

  async record(delivery: Delivery): Promise<void> {
    const columns = Object.fromEntries(Object.entries(delivery).filter(([, v]) => v !== undefined));
    await this.table.upsertEntity({ partitionKey: delivery.leadId, rowKey: conversationRowKey(delivery.conversationId), ...columns }, 'Replace');
  }

  async get(leadId: string, conversationId: string): Promise<Delivery | undefined> {
    try {
      return toDelivery(await this.table.getEntity<Delivery>(leadId, conversationRowKey(conversationId)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function toDelivery(row: Delivery): Delivery {
  return { leadId: row.leadId, conversationId: row.conversationId, status: row.status, activityId: row.activityId, error: row.error, at: row.at };
}
