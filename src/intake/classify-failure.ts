import { isRestError } from '@azure/core-rest-pipeline';
import { IntakeError, intakeErrors } from './intake-errors';

/**
 * Any failure while making a lead durable means the lead was not accepted: the sender must
 * retry, so storage errors (HTTP or network) become a 503 with Retry-After.
 */
export function classifyFailure(error: unknown): IntakeError | undefined {
  if (error instanceof IntakeError) return error;
  if (isRestError(error) || isNetworkError(error)) return intakeErrors.storageUnavailable();
  return undefined;
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|ENETUNREACH|EHOSTUNREACH|UND_ERR)/.test(code);
}
