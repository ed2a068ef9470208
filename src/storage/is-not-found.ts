import { isRestError } from '@azure/core-rest-pipeline';

/** Azure Storage answered 404: the table, entity or message is not there. */
export function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404;
}
