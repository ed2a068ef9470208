import type { TableClient } from '@azure/data-tables';
import { isConflict } from './storage-errors';

/**
 * Takes the right to do something once — send a lead card to a chat, a lead mail to a person —
 * by creating its row as `sending` before doing it: true for one caller, whatever the passes,
 * instances and clicks racing for it; a row an earlier try left `failed` is taken again by
 * whoever retries. Conditional writes decide, so two callers never both win.
 */
export async function takeOnce(table: TableClient, key: { readonly partitionKey: string; readonly rowKey: string }, columns: Readonly<Record<string, unknown>>): Promise<boolean> {
  const sending = { ...key, ...columns, status: 'sending' };
  try {
    await table.createEntity(sending);
    return true;
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  const existing = await table.getEntity<{ status: string }>(key.partitionKey, key.rowKey);
  if (existing.status !== 'failed') return false;
  try {
    await table.updateEntity({ ...sending, error: '' }, 'Replace', { etag: existing.etag });
    return true;
  } catch (error) {
    if (isConflict(error)) return false; // another caller took it meanwhile
    throw error;
  }
}
