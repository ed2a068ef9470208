import type { DataverseEmulator } from '../../emulators/dataverse';
import { loadSettings } from '../../src/config/settings';
import { DataverseClient } from '../../src/dynamics/dataverse-client';
import { createTokenSource } from '../../src/dynamics/sign-in';
import type { HttpTransport } from '../../src/http/http-transport';
import type { RetryPolicy } from '../../src/http/retry';
import { createLogger } from '../../src/logging/create-logger';
import { dynamicsEnv } from './shared-services';
import { testEnv } from './test-app';

/**
 * The bot's own Dataverse client against `dv`, signing in at the shared identity provider:
 * `env` adds settings, `retry` sets its retries, and `requests` is the transport its Dataverse
 * requests go through (`transport`, the sign-in's, unless a test times them).
 */
export function dataverseClient(dv: DataverseEmulator, transport: HttpTransport, options: { env?: Record<string, string>; retry?: RetryPolicy; requests?: HttpTransport } = {}): DataverseClient {
  const settings = loadSettings(testEnv({ ...dynamicsEnv(dv.url), ...options.env })).dynamics;
  const logger = createLogger('silent');
  return new DataverseClient(settings, createTokenSource(settings, transport, logger), options.requests ?? transport, logger, options.retry);
}
