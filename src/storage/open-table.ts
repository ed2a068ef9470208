import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient } from '@azure/data-tables';
import { expandConnectionString, parseStorageConnectionString } from '../config/parse-connection-string';

/**
 * Few, quick retries: a lead sender is waiting on the answer, and a clear 503 (which it will
 * retry) beats a request that hangs while the SDK backs off for a minute.
 */
const RETRIES = { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 1000 };

/** A stalled endpoint must fail like a refused one, not hold a request (or a shutdown) open. */
const TRY_TIMEOUT_MS = 10_000;
const tryTimeout: PipelinePolicy = {
  name: 'tryTimeout',
  sendRequest(request, next) {
    request.timeout = TRY_TIMEOUT_MS;
    return next(request);
  },
};

/** A table client for a connection string as an admin wrote it (Azurite's http included). */
export function openTable(connectionString: string, tableName: string): TableClient {
  const expanded = expandConnectionString(connectionString);
  const endpoint = parseStorageConnectionString(expanded).account?.tableEndpoint ?? '';
  return TableClient.fromConnectionString(expanded, tableName, {
    allowInsecureConnection: endpoint.startsWith('http:'),
    retryOptions: RETRIES,
    additionalPolicies: [{ policy: tryTimeout, position: 'perRetry' }],
  });
}

/** The account name, for telling apart the sources an instance reads. */
export function accountNameOf(connectionString: string): string {
  return parseStorageConnectionString(expandConnectionString(connectionString)).account?.accountName ?? 'account';
}
