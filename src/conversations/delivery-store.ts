import { odata, type TableClient } from '@azure/data-tables';
import { isNotFound } from '../storage/storage-errors';
import { takeOnce } from '../storage/take-once';
import { conversationRowKey } from './conversation-key';

/**
 * One lead card to one conversation: `sending` from before Teams is asked until it answers (a
 * card whose answer never came, its instance gone, stays so and is not sent again: never two);
 * `sent`, with the message id; `failed` (for now or for good), which a later pass may try again.
 */
export interface Delivery {
  readonly leadId: string;
  readonly conversationId: string;
  readonly status: 'sending' | 'sent' | 'failed';
  /** The Teams message id, to update the card later (claims). */
  readonly activityId: string | undefined;
  readonly error: string | undefined;
  readonly at: string;
  /** What the card sent says of the lead in Dynamics ('written', 'pending', 'failed'), so an update skips copies that say it already. */
  readonly shows?: string | undefined;
  /** 0 (or unset): the lead's announcement; 1, 2: its escalation steps, each a card of its own in the chat (#16). */
  readonly round?: number | undefined;
}

/**
 * What was delivered to whom, per lead, so a retried or restarted notification never sends
 * the same card to a conversation twice, and failures stay visible.
 */
/** A send takes seconds, with its retries a minute at most: `sending` longer means its instance stopped. */
const STALE_SENDING_MS = 5 * 60_000;

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

  /**
   * Deliveries that failed since a time, and those still `sending` well after they began (an
   * instance stopped mid-send: the card may not have arrived), for `status` (a scan; they are few).
   */
  async failuresSince(since: Date, now: Date): Promise<Delivery[]> {
    const found: Delivery[] = [];
    const stale = new Date(now.getTime() - STALE_SENDING_MS).toISOString();
    const filter = odata`at ge ${since.toISOString()} and (status eq ${'failed'} or (status eq ${'sending'} and at lt ${stale}))`;
    const rows = this.table.listEntities<Delivery>({ queryOptions: { filter } });
    for await (const row of rows) found.push(toDelivery(row));
    return found;
  }

  /**
   * Takes the right to send this lead's card to this conversation, before sending it: true once,
   * for one caller (one pass, one instance, one click), unless an earlier try failed (then
   * whoever retries takes it again).
   */
  start(leadId: string, conversationId: string, at: Date, round = 0): Promise<boolean> {
    return takeOnce(this.table, { partitionKey: leadId, rowKey: rowKeyOf(conversationId, round) }, { leadId, conversationId, at: at.toISOString(), round });
  }

  async record(delivery: Delivery): Promise<void> {
    const columns = Object.fromEntries(Object.entries(delivery).filter(([, v]) => v !== undefined));
    await this.table.upsertEntity({ partitionKey: delivery.leadId, rowKey: rowKeyOf(delivery.conversationId, delivery.round ?? 0), ...columns }, 'Replace');
  }

  /** What this copy shows now, after it was replaced (see Delivery.shows). */
  async recordShows(copy: Delivery, shows: string): Promise<void> {
    await this.table.upsertEntity({ partitionKey: copy.leadId, rowKey: rowKeyOf(copy.conversationId, copy.round ?? 0), shows }, 'Merge');
  }

  async get(leadId: string, conversationId: string, round = 0): Promise<Delivery | undefined> {
    try {
      return toDelivery(await this.table.getEntity<Delivery>(leadId, rowKeyOf(conversationId, round)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function toDelivery(row: Delivery): Delivery {
  return { leadId: row.leadId, conversationId: row.conversationId, status: row.status, activityId: row.activityId, error: row.error, at: row.at, shows: row.shows, round: row.round ?? 0 };
}

/** The announcement keeps the row key it always had; an escalation step's card is a row of its own ('.' is not in base64url). */
function rowKeyOf(conversationId: string, round: number): string {
  return round === 0 ? conversationRowKey(conversationId) : `e${String(round)}.${conversationRowKey(conversationId)}`;
}
