import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import type { TableImportSettings } from '../config/settings';
import { LeadPayloadError } from '../leads/lead-payload-error';
import { parseTableRow } from '../leads/parse-table-row';
import type { Logger } from '../logging/create-logger';
import { isNotFound } from '../storage/storage-errors';
import { accountNameOf, openTable } from '../storage/open-table';
import { systemClock, type Clock } from '../timing/clock';
import { acceptLead, type AcceptLeadDeps } from './accept-lead';

/**
 * Rows are committed with service timestamps that need not arrive in order, so each pass
 * looks this far behind the watermark; rows seen twice resolve to the same lead id.
 */
const DEFAULT_OVERLAP_MS = 5 * 60_000;

/** Where the import has read up to, and the LEAD_TABLE_IMPORT_FROM it started from ('' for none). */
interface Watermark {
  readonly watermark: string;
  readonly from?: string;
}

export interface ImportPass {
  readonly rowsRead: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly skipped: number;
}

/**
 * Imports Partner Center's Azure Table destination (`marketplaceleads`) into the same
 * pipeline as the HTTPS endpoint. Each row enters once, keyed by its PartitionKey/RowKey;
 * a watermark in our own storage means a restart resumes instead of starting over.
 */
export class TableImporter {
  private readonly source: TableClient;
  private readonly watermarkKey: { partitionKey: string; rowKey: string };
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly settings: TableImportSettings,
    private readonly state: TableClient,
    private readonly deps: AcceptLeadDeps & { readonly logger: Logger; readonly clock?: Clock },
    private readonly overlapMs = DEFAULT_OVERLAP_MS,
  ) {
    this.source = openTable(settings.connectionString, settings.tableName);
    this.watermarkKey = { partitionKey: 'table-import', rowKey: `${accountNameOf(settings.connectionString)}-${settings.tableName}` };
  }

  /** One pass over the rows newer than the watermark. */
  async runOnce(): Promise<ImportPass> {
    const watermark = await this.startingPoint();
    const since = new Date(watermark.getTime() - this.overlapMs);
    const rows = this.source.listEntities({ queryOptions: { filter: odata`Timestamp ge ${since}` } });
    const pass = { rowsRead: 0, imported: 0, duplicates: 0, skipped: 0 };
    let newest: Date = watermark;
    try {
      for await (const row of rows) {
        pass.rowsRead++;
        const outcome = await this.importRow(row);
        pass[outcome]++;
        const stamp = row.timestamp === undefined ? undefined : new Date(row.timestamp);
        if (stamp !== undefined && stamp > newest) newest = stamp;
      }
    } catch (error) {
      // Partner Center creates the table with the first lead; until then there is nothing to read.
      if (!isNotFound(error)) throw error;
    }
    // Only after a full pass: rows come in key order, not time order.
    if (newest !== watermark) await this.writeWatermark({ watermark: newest.toISOString() });
    return pass;
  }

  /** A pass now, then one every pollSeconds until stop(). */
  start(): void {
    this.running = this.poll();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async poll(): Promise<void> {
    const clock = this.deps.clock ?? systemClock;
    while (!this.stopping.signal.aborted) {
      try {
        const pass = await this.runOnce();
        if (pass.imported > 0 || pass.skipped > 0) this.deps.logger.info({ ...pass }, 'imported leads from Azure Table');
      } catch (err) {
        this.deps.logger.error({ err }, 'Azure Table import failed; will try again');
      }
      // Rejects when stop() aborts the wait; the loop's condition then ends it.
      await clock.sleep(this.settings.pollSeconds * 1000, this.stopping.signal).catch(() => undefined);
    }
  }

  private async importRow(row: TableEntityResult<Record<string, unknown>>): Promise<'imported' | 'duplicates' | 'skipped'> {
    const rowKeys = { partitionKey: row.partitionKey, rowKey: row.rowKey };
    let details;
    try {
      details = parseTableRow(row);
    } catch (error) {
      if (!(error instanceof LeadPayloadError)) throw error;
      // The row stays in the source table; an admin can fix or re-enter it from there.
      this.deps.logger.error({ ...rowKeys, reason: error.message }, 'Azure Table row is not a lead; skipped');
      return 'skipped';
    }
    const key = `table:${this.watermarkKey.rowKey}/${row.partitionKey ?? ''}/${row.rowKey ?? ''}`;
    const accepted = await acceptLead(details, 'table', { key, duplicateWindowMs: Infinity }, this.deps);
    this.deps.logger.child({ leadId: accepted.leadId }).debug({ ...rowKeys, duplicate: accepted.duplicate }, 'table row imported');
    return accepted.duplicate ? 'duplicates' : 'imported';
  }

  /**
   * Where this pass reads from: the watermark. The first pass ever starts at LEAD_TABLE_IMPORT_FROM,
   * or now: a table Partner Center filled for months is history, not a stream of new leads for
   * the team. A LEAD_TABLE_IMPORT_FROM the import has not started from yet moves it back there, once.
   */
  private async startingPoint(): Promise<Date> {
    const stored = await this.readWatermark();
    const from = this.settings.importFrom;
    if (stored !== undefined && (from === undefined || stored.from === from)) return new Date(stored.watermark);
    const start = from ?? this.deps.now().toISOString();
    await this.writeWatermark({ watermark: start, from: from ?? '' });
    this.deps.logger.info({ from: start.slice(0, 10), chosen: from !== undefined }, 'Azure Table import starts from this day');
    return new Date(start);
  }

  private async readWatermark(): Promise<Watermark | undefined> {
    try {
      const entity = await this.state.getEntity<Watermark>(this.watermarkKey.partitionKey, this.watermarkKey.rowKey);
      return { watermark: entity.watermark, from: entity.from };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async writeWatermark(watermark: Partial<Watermark>): Promise<void> {
    await this.state.upsertEntity({ ...this.watermarkKey, ...watermark }, 'Merge');
  }
}
