import { TableClient } from '@azure/data-tables';
import { expandConnectionString, parseStorageConnectionString } from './parse-connection-string';

/**
 * Few, quick retries: a lead sender is waiting on the answer, and a clear 503 (which it will
 * retry) beats a request that hangs while the SDK backs off for a minute.
 */
const RETRIES = { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 1000 };

/** A table client for a connection string as an admin wrote it (Azurite's http included). */
export function openTable(connectionString: string, tableName: string): TableClient {
  const expanded = expandConnectionString(connectionString);
  const endpoint = parseStorageConnectionString(expanded).account?.tableEndpoint ?? '';
  return TableClient.fromConnectionString(expanded, tableName, {
    allowInsecureConnection: endpoint.startsWith('http:'),
    retryOptions: RETRIES,
  });
}

/** The account name, for telling apart the sources an instance reads. */
export function accountNameOf(connectionString: string): string {
  return parseStorageConnectionString(expandConnectionString(connectionString)).account?.accountName ?? 'account';
}
