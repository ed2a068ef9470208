import { isRestError } from '@azure/core-rest-pipeline';

// What Azure Storage's answers mean for the bot's conditional writes: every check of a storage
// status lives here, so "another instance got there first" reads the same everywhere.

/** 404: the table, entity or message is not there. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** 409: an insert found the entity there already (created meanwhile). */
export function isAlreadyThere(error: unknown): boolean {
  return statusOf(error) === 409;
}

/** 412: an update's ETag no longer matches (changed meanwhile). */
export function isChangedMeanwhile(error: unknown): boolean {
  return statusOf(error) === 412;
}

/** 409 or 412: another writer got there first. */
export function isConflict(error: unknown): boolean {
  return isAlreadyThere(error) || isChangedMeanwhile(error);
}

function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}
