import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound } from './storage-errors';

/**
 * Whose turn it is on each round-robin route, shared by every instance: one row per route
 * holding the place of the next contact, moved on with ETags, so two instances routing leads at
 * once give them to two people in turn, and a restart carries on where the turn was.
 */
export class Turns {
  constructor(private readonly table: TableClient) {}

  /** The first contact from the route's turn on whom `available` agrees, the turn moved past them; undefined when none is. */
  async take(route: string, contacts: readonly string[], available: (contact: string) => boolean): Promise<string | undefined> {
    const key = { partitionKey: 'turn', rowKey: route.toLowerCase() };
    for (;;) {
      const row = await this.table.getEntity<{ next: number }>(key.partitionKey, key.rowKey).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      const start = (row?.next ?? 0) % Math.max(1, contacts.length);
      const offset = contacts.map((_, i) => (start + i) % contacts.length).find((i) => available(contacts[i] ?? ''));
      if (offset === undefined) return undefined;
      try {
        if (row === undefined) await this.table.createEntity({ ...key, next: offset + 1 });
        else await this.table.updateEntity({ ...key, next: offset + 1 }, 'Replace', { etag: row.etag });
        return contacts[offset];
      } catch (error) {
        if (!isConflict(error)) throw error; // another instance took a turn meanwhile: look again
      }
    }
  }
}

/**
 * Who is away (`away`, `away until <date>`), by address: round-robin routes skip them. A date
 * is the last day away (on the team's calendar, BOT_TIME_ZONE); without one, until they say `back`.
 */
export class AwayList {
  constructor(private readonly table: TableClient) {}

  async set(addresses: readonly string[], until: string | undefined, at: Date): Promise<void> {
    await Promise.all(addresses.map((a) => this.table.upsertEntity({ partitionKey: 'away', rowKey: a.toLowerCase(), until: until ?? '', at: at.toISOString() }, 'Replace')));
  }

  async clear(addresses: readonly string[]): Promise<void> {
    await Promise.all(
      addresses.map((a) =>
        this.table.deleteEntity('away', a.toLowerCase()).catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        }),
      ),
    );
  }

  /** The addresses away on `today` (YYYY-MM-DD), with the last day away ('' until they say back). */
  async awayOn(today: string): Promise<Map<string, string>> {
    const away = new Map<string, string>();
    for await (const row of this.table.listEntities<{ until: string }>({ queryOptions: { filter: "PartitionKey eq 'away'" } })) {
      if (row.until === '' || row.until >= today) away.set(row.rowKey ?? '', row.until);
    }
    return away;
  }
}
