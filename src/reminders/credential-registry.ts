import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound } from '../storage/storage-errors';
import type { Credential, CredentialKind, ExpirySource } from './credential';

const PARTITION = 'credential';
/** Older reminder keys are dropped: they name expiry dates long replaced. */
const KEEP_SENT = 20;

interface CredentialEntity {
  readonly name: string;
  readonly kind: CredentialKind;
  readonly builtIn: boolean;
  readonly expiresAt?: string;
  readonly changedAt?: string;
  readonly source?: ExpirySource;
  readonly setBy?: string;
  readonly graphProblem?: string;
  readonly snoozedUntil?: string;
  /** JSON array of reminder keys. */
  readonly sent?: string;
}

/**
 * What an expiry update says; fields left out stay as they are, `undefined` values clear. (A
 * Merge cannot remove a column, so a cleared one is stored as '' and read back as undefined.)
 */
export interface ExpiryUpdate {
  readonly expiresAt: string | undefined;
  readonly changedAt?: string | undefined;
  readonly source: ExpirySource | undefined;
  readonly setBy?: string | undefined;
}

/** The credential registry in Azure Tables: one row per credential, shared by every instance. */
export class CredentialRegistry {
  constructor(private readonly table: TableClient) {}

  async list(): Promise<Credential[]> {
    const found: Credential[] = [];
    for await (const row of this.table.listEntities<CredentialEntity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      found.push(toCredential(row.rowKey ?? '', row));
    }
    return found.sort((a, b) => Number(b.builtIn) - Number(a.builtIn) || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<Credential | undefined> {
    try {
      return toCredential(id, await this.table.getEntity<CredentialEntity>(PARTITION, id));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Adds the credential if it is not there yet; an existing one keeps its dates and reminders. */
  async ensure(id: string, name: string, kind: CredentialKind, builtIn: boolean): Promise<void> {
    await this.table.upsertEntity({ partitionKey: PARTITION, rowKey: id, name, kind, builtIn }, 'Merge');
  }

  /**
   * A new expiry (or the same one again); a changed expiry also ends a snooze. Given the
   * credential as read, the update is made only if nobody changed it since (false otherwise).
   */
  async setExpiry(id: string, update: ExpiryUpdate, asRead?: Credential): Promise<boolean> {
    const current = asRead ?? (await this.get(id));
    const changed = current?.expiresAt !== update.expiresAt;
    const columns = Object.fromEntries(Object.entries(update).map(([column, value]) => [column, value ?? '']));
    return ifUnchanged(
      this.table.updateEntity({ partitionKey: PARTITION, rowKey: id, ...columns, ...(changed ? { snoozedUntil: '' } : {}) }, 'Merge', asRead?.etag === undefined ? {} : { etag: asRead.etag }),
    );
  }

  /** Why Graph cannot tell this credential's expiry; undefined once it can. */
  async setGraphProblem(id: string, problem: string | undefined): Promise<void> {
    await this.table.updateEntity({ partitionKey: PARTITION, rowKey: id, graphProblem: problem ?? '' }, 'Merge');
  }

  async snooze(id: string, until: Date): Promise<void> {
    await this.table.updateEntity({ partitionKey: PARTITION, rowKey: id, snoozedUntil: until.toISOString() }, 'Merge');
  }

  /**
   * Claims reminders before they are sent: recorded only if the credential is as read (no other
   * instance claimed them, no admin snoozed or rotated meanwhile). False: leave it to the next check.
   */
  async claimSent(credential: Credential, keys: readonly string[]): Promise<boolean> {
    const sent = [...credential.sent.filter((k) => !keys.includes(k)), ...keys].slice(-KEEP_SENT);
    return ifUnchanged(this.table.updateEntity({ partitionKey: PARTITION, rowKey: credential.id, sent: JSON.stringify(sent) }, 'Merge', { etag: credential.etag ?? '*' }));
  }

  /** Gives claimed reminders back, when nobody could be reached: they are due again at the next check. */
  async unclaimSent(id: string, keys: readonly string[]): Promise<void> {
    const current = await this.get(id);
    if (current === undefined) return;
    const sent = current.sent.filter((k) => !keys.includes(k));
    await this.table.updateEntity({ partitionKey: PARTITION, rowKey: id, sent: JSON.stringify(sent) }, 'Merge');
  }

  async remove(id: string): Promise<void> {
    await this.table.deleteEntity(PARTITION, id).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

/** True once the update is made; false when the row changed (412) or went (404) meanwhile. */
async function ifUnchanged(update: Promise<unknown>): Promise<boolean> {
  try {
    await update;
    return true;
  } catch (error) {
    if (isConflict(error) || isNotFound(error)) return false;
    throw error;
  }
}

function toCredential(id: string, row: CredentialEntity & { etag?: string }): Credential {
  return {
    id,
    name: row.name,
    kind: row.kind,
    builtIn: row.builtIn,
    expiresAt: present(row.expiresAt),
    changedAt: present(row.changedAt),
    source: present(row.source),
    setBy: present(row.setBy),
    graphProblem: present(row.graphProblem),
    snoozedUntil: present(row.snoozedUntil),
    sent: row.sent === undefined || row.sent === '' ? [] : (JSON.parse(row.sent) as string[]),
    ...(row.etag === undefined ? {} : { etag: row.etag }),
  };
}

function present<T extends string>(value: T | '' | undefined): T | undefined {
  return value === '' ? undefined : value;
}
