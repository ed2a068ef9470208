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
  /** 0 (or unset): the lead's mail; 1: the reminder that nobody has claimed it (#16). */
  readonly round?: number | undefined;
}

/** Which lead mail went to whom, so no retry, restart or second instance mails anyone twice. */
export class MailStore {
  constructor(private readonly table: TableClient) {}

  /**
   * Takes the right to send this lead to this recipient: true once, for one caller, unless an
   * earlier try failed for now (then whoever retries takes it again).
   */
  start(leadId: string, recipient: string, at: Date, round = 0): Promise<boolean> {
    return takeOnce(this.table, { partitionKey: leadId, rowKey: rowKeyOf(recipient, round) }, { leadId, recipient, at: at.toISOString(), round });
  }

  async finish(leadId: string, recipient: string, status: 'sent' | 'refused' | 'failed', at: Date, error?: string, round = 0): Promise<void> {
    await this.table.updateEntity({ partitionKey: leadId, rowKey: rowKeyOf(recipient, round), status, at: at.toISOString(), error: error ?? '' }, 'Merge');
  }

  /** Those the lead's own mail reached (round 0), to remind. */
  async mailedLead(leadId: string): Promise<string[]> {
    const found: string[] = [];
    for await (const row of this.table.listEntities<MailDelivery>({ queryOptions: { filter: odata`PartitionKey eq ${leadId} and status eq ${'sent'}` } })) {
      if ((row.round ?? 0) === 0) found.push(row.recipient);
    }
    return found;
  }

  async get(leadId: string, recipient: string, round = 0): Promise<MailDelivery | undefined> {
    try {
      return toDelivery(await this.table.getEntity<MailDelivery>(leadId, rowKeyOf(recipient, round)));
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

/** An address as a RowKey: base64url, since addresses may hold characters a RowKey may not; a reminder's row is its own ('.' is not in base64url). */
function rowKeyOf(recipient: string, round: number): string {
  const key = Buffer.from(recipient.toLowerCase(), 'utf8').toString('base64url');
  return round === 0 ? key : `e${String(round)}.${key}`;
}

function toDelivery(row: MailDelivery): MailDelivery {
  return { leadId: row.leadId, recipient: row.recipient, status: row.status, error: row.error === '' ? undefined : row.error, at: row.at, round: row.round ?? 0 };
}
