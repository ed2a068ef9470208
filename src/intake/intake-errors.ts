/**
 * Every answer the intake gives other than success: a stable code, the HTTP status, and a
 * message that tells the sender (or the admin testing the URL) what to do.
 */
export class IntakeError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'IntakeError';
  }
}

export const RETRY_AFTER_SECONDS = 30;

export const intakeErrors = {
  keyMissing: () =>
    new IntakeError(
      'LEAD_KEY_MISSING',
      401,
      'No intake key. Add ?code=<LEAD_INTAKE_KEY> to the URL you paste into Partner Center, or send it in the x-lead-key header.',
    ),
  keyWrong: () =>
    new IntakeError(
      'LEAD_KEY_WRONG',
      401,
      'The intake key does not match. Copy the URL with ?code=<LEAD_INTAKE_KEY> from the bot\'s settings again.',
    ),
  notJson: (contentType: string) =>
    new IntakeError(
      'LEAD_NOT_JSON',
      415,
      `Leads must be sent as JSON (Content-Type: application/json), not "${contentType.slice(0, 100)}".`,
    ),
  encoded: (encoding: string) =>
    new IntakeError(
      'LEAD_ENCODED',
      415,
      `Send the lead as plain JSON, without Content-Encoding (it was "${encoding.slice(0, 40)}").`,
    ),
  tooLarge: (limit: number) =>
    new IntakeError(
      'LEAD_TOO_LARGE',
      413,
      `The body is larger than ${limit} bytes; a marketplace lead is far smaller. Raise LEAD_MAX_BODY_BYTES if this is a real lead.`,
      { connection: 'close' },
    ),
  emptyBody: () => new IntakeError('LEAD_EMPTY', 400, 'The body is empty; send the lead as a JSON object.'),
  malformedJson: (detail: string) => new IntakeError('LEAD_MALFORMED_JSON', 400, `The body is not valid JSON: ${detail}.`),
  notALead: (detail: string) => new IntakeError('LEAD_INVALID', 400, detail),
  storageUnavailable: () =>
    new IntakeError(
      'LEAD_STORAGE_UNAVAILABLE',
      503,
      'The lead could not be stored right now and was not accepted; send it again shortly.',
      { 'retry-after': String(RETRY_AFTER_SECONDS) },
    ),
};
