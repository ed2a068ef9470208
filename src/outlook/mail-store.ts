import { odata, type TableClient } from '@azure/data-tables';
import { isNotFound } from '../storage/storage-errors';
import { takeOnce } from '../storage/take-once';

/**
 * One lead mail to one recipient: `sending` from before Graph is asked until it answers (a mail
 * whose answer never came stays so, and is not sent again: never two); `sent`; `refused` by Graph
 * for good (no such mailbox…), with its reason; `failed` for now (throttled, an outage), to retry.
 */
export interface MailDelivery {
  readonly leadId: string;
  readonly recipient: string;
  readonly status: 'sending' | 'sent' | 'refused' | 'failed';
  readonly error: string | undefined;
  readonly at: string;
}

/** Which lead mail went to whom, so no retry, restart or second instance mails anyone twice. */
export class MailStore {
  constructor(private readonly table: TableClient) {}

  /**
   * Takes the right to send this lead to this recipient: true once, for one caller, unless an
   * earlier try failed for now (then whoever retries takes it again).
   */
  start(leadId: string, recipient: string, at: Date): Promise<boolean> {
    return takeOnce(this.table, { partitionKey: leadId, rowKey: rowKeyOf(recipient) }, { leadId, recipient, at: at.toISOString() });
  }

  async finish(leadId: string, recipient: string, status: 'sent' | 'refused' | 'failed', at: Date, error?: string): Promise<void> {
    await this.table.updateEntity({ partitionKey: leadId, rowKey: rowKeyOf(recipient), status, at: at.toISOString(), error: error ?? '' }, 'Merge');
  }

  async get(leadId: string, recipient: string): Promise<MailDelivery | undefined> {
    try {
      return toDelivery(await this.table.getEntity<MailDelivery>(leadId, rowKeyOf(recipient)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Mails Graph refused for good since a time, for `status` (a scan; refusals are few). */
  async refusedSince(since: Date): Promise<MailDelivery[]> {
    const found: MailDelivery[] = [];
    for await (const row of this.table.listEntities<MailDelivery>({ queryOptions: { filter: odata`status eq ${'refused'} and at ge ${since.toISOString()}` } })) found.push(toDelivery(row));
    return found;
  }

}

/** An address as a RowKey: base64url, since addresses may hold characters a RowKey may not. */
function rowKeyOf(recipient: string): string {
  return Buffer.from(recipient.toLowerCase(), 'utf8').toString('base64url');
}

function toDelivery(row: MailDelivery): MailDelivery {
  return { leadId: row.leadId, recipient: row.recipient, status: row.status, error: row.error === '' ? undefined : row.error, at: row.at };
}
