import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound } from './storage-errors';

/**
 * One small JSON document every instance reads and changes, in one table row: a change is
 * applied to the document as read and written only if nobody changed it meanwhile (its ETag),
 * else applied again to the newer one. For a handful of instances writing a few times a second.
 */
export class SharedDocument<T> {
  constructor(
    private readonly table: TableClient,
    private readonly partitionKey: string,
    private readonly rowKey: string,
  ) {}

  /** Applies `change` to the document as stored (undefined: none yet) and returns it as written. */
  async update(change: (current: T | undefined) => T): Promise<T> {
    for (;;) {
      const row = await this.table.getEntity<{ document: string }>(this.partitionKey, this.rowKey).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      const next = change(row === undefined ? undefined : (JSON.parse(row.document) as T));
      const entity = { partitionKey: this.partitionKey, rowKey: this.rowKey, document: JSON.stringify(next) };
      try {
        if (row === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, 'Replace', { etag: row.etag });
        return next;
      } catch (error) {
        if (!isConflict(error)) throw error; // another instance wrote meanwhile: apply the change to theirs
      }
    }
  }
}
