import type { TableClient } from '@azure/data-tables';
import type { LeadQueue } from '../storage/lead-queue';
import { isNotFound } from '../storage/storage-errors';
import type { LeadStore } from '../storage/lead-store';
import type { FailureKind } from './lead-failure';

export interface DeadLetter {
  readonly leadId: string;
  readonly code: string;
  /** What the failure meant for the lead, when a service's failure was the cause. */
  readonly kind?: FailureKind;
  readonly reason: string;
  readonly fix: string;
  readonly at: string;
}

const PARTITION = 'dead-letter';

/**
 * Leads the pipeline gave up on, with the reason, in a table of their own so an admin can
 * list them and send them through again (`retry`). Nothing in here is ever deleted except by
 * a re-drive, which puts the lead back on the work queue first.
 */
export class DeadLetters {
  constructor(
    private readonly table: TableClient,
    private readonly leads: LeadStore,
    private readonly queue: LeadQueue,
  ) {}

  /**
   * Lists the lead, and marks it dead-lettered in Dynamics' terms, unless the give-up is not
   * Dynamics' (`dynamics: false`: the record may well be there; only the work around it stopped).
   */
  async add(letter: DeadLetter, options: { readonly dynamics?: boolean } = {}): Promise<void> {
    await this.table.upsertEntity({ partitionKey: PARTITION, rowKey: letter.leadId, ...letter }, 'Replace');
    if (options.dynamics === false) return;
    await this.leads.update(letter.leadId, {
      status: 'dead-lettered',
      deadLetteredAt: letter.at,
      lastErrorCode: letter.code,
      ...(letter.kind === undefined ? {} : { lastErrorKind: letter.kind }),
      lastError: letter.reason,
    });
  }

  async list(): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    const rows = this.table.listEntities<DeadLetter>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } });
    for await (const row of rows) {
      letters.push({ leadId: row.leadId, code: row.code, reason: row.reason, fix: row.fix, at: row.at });
    }
    return letters;
  }

  /** Puts dead-lettered leads (all, or those named) back on the work queue; returns their ids. */
  async redrive(leadIds?: readonly string[]): Promise<string[]> {
    const chosen = (await this.list()).filter((l) => leadIds === undefined || leadIds.includes(l.leadId));
    for (const letter of chosen) {
      // Status before message, so a worker that takes the message at once works the lead;
      // the row goes last, so a crash in between leaves it listed to re-drive again.
      // Written leads are found written again (the record id is the lead id); the alert resumes.
      await this.leads.update(letter.leadId, { status: 'queued', attempts: 0, failedPasses: 0 });
      await this.queue.enqueue(letter.leadId);
      await this.table.deleteEntity(PARTITION, letter.leadId).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
    return chosen.map((l) => l.leadId);
  }
}
