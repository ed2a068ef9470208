/** A payload that is not a marketplace lead; the message says what was wrong and what fits. */
export class LeadPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeadPayloadError';
  }
}
