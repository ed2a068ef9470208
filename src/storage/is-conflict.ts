import { isRestError } from '@azure/core-rest-pipeline';

/** Azure Storage answered 409 (created meanwhile) or 412 (changed meanwhile): another writer got there first. */
export function isConflict(error: unknown): boolean {
  return isRestError(error) && (error.statusCode === 409 || error.statusCode === 412);
}
