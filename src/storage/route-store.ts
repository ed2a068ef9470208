import type { TableClient } from '@azure/data-tables';
import type { Route } from '../routing/route';
import { isAlreadyThere, isNotFound } from './storage-errors';

const PARTITION = 'route';

/** A route set in chat: who added it and when travel with it (`route list` shows them). */
export type ChatRoute = Route & { readonly origin: { readonly kind: 'chat'; readonly addedBy: string; readonly addedAt: string } };

interface RouteEntity {
  /** The route's fields but its origin, as JSON. */
  readonly route: string;
  readonly addedBy: string;
  readonly addedAt: string;
}

/**
 * The routes admins set in chat (`route add`, `subscribe offer …`), shared by every instance.
 * Keyed by the route's name, lower-cased, so two routes cannot share one; listed in the order
 * they were added, which is the order they are tried in.
 */
export class RouteStore {
  constructor(private readonly table: TableClient) {}

  async list(): Promise<ChatRoute[]> {
    const found: ChatRoute[] = [];
    for await (const e of this.table.listEntities<RouteEntity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      found.push({ ...(JSON.parse(e.route) as Omit<Route, 'origin'>), origin: { kind: 'chat', addedBy: e.addedBy, addedAt: e.addedAt } });
    }
    return found.sort((a, b) => a.origin.addedAt.localeCompare(b.origin.addedAt));
  }

  /** Stores a new route; 'exists' when a route of that name is stored already. */
  async add(route: ChatRoute): Promise<'added' | 'exists'> {
    const { origin, ...fields } = route;
    try {
      await this.table.createEntity<RouteEntity>({ partitionKey: PARTITION, rowKey: route.name.toLowerCase(), route: JSON.stringify(fields), addedBy: origin.addedBy, addedAt: origin.addedAt });
      return 'added';
    } catch (error) {
      if (isAlreadyThere(error)) return 'exists';
      throw error;
    }
  }

  /** Removes a route by name (any case); false when there was none. */
  async remove(name: string): Promise<boolean> {
    try {
      await this.table.deleteEntity(PARTITION, name.toLowerCase());
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
