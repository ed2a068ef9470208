import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound } from './storage-errors';

interface LeaseEntity {
  readonly holder: string;
  readonly until: string;
}

const PARTITION = 'lease';

/**
 * A named lease in the state table: whoever holds it does the work its name stands for (one
 * reminder tick), however many instances run. Taken and released with ETags, so two instances
 * racing for it cannot both win; one that dies holding it loses it when `until` passes.
 */
export class StorageLease {
  constructor(
    private readonly table: TableClient,
    private readonly name: string,
    private readonly holder: string,
    private readonly now: () => Date,
  ) {}

  /** True when this holder has the lease for the next `ms`. */
  async acquire(ms: number): Promise<boolean> {
    const until = new Date(this.now().getTime() + ms).toISOString();
    try {
      const current = await this.table.getEntity<LeaseEntity>(PARTITION, this.name);
      if (current.holder !== this.holder && Date.parse(current.until) > this.now().getTime()) return false;
      await this.table.updateEntity({ partitionKey: PARTITION, rowKey: this.name, holder: this.holder, until }, 'Replace', { etag: current.etag });
      return true;
    } catch (error) {
      if (!isNotFound(error)) return lostRace(error);
    }
    try {
      await this.table.createEntity({ partitionKey: PARTITION, rowKey: this.name, holder: this.holder, until });
      return true;
    } catch (error) {
      return lostRace(error);
    }
  }

  /** Lets another instance take the lease at once, if this holder still has it. */
  async release(): Promise<void> {
    try {
      const current = await this.table.getEntity<LeaseEntity>(PARTITION, this.name);
      if (current.holder !== this.holder) return;
      await this.table.updateEntity({ partitionKey: PARTITION, rowKey: this.name, holder: '', until: this.now().toISOString() }, 'Replace', { etag: current.etag });
    } catch (error) {
      if (!isNotFound(error)) lostRace(error);
    }
  }
}

/** 409 (created meanwhile) or 412 (changed meanwhile): another holder won; anything else is trouble. */
function lostRace(error: unknown): false {
  if (isConflict(error)) return false;
  throw error;
}
