import type { IncomingMessage } from 'node:http';
import { intakeErrors } from './intake-errors';

/**
 * Reads a JSON body up to a limit. Written out here rather than taken from restify's
 * bodyParser so each failure gets its own status and a message that says what to fix.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const contentType = req.headers['content-type'] ?? '';
  // Partner Center does not document its headers: accept a missing type, refuse a wrong one.
  if (contentType !== '' && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw intakeErrors.notJson(contentType);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw intakeErrors.tooLarge(limit);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw intakeErrors.tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw intakeErrors.emptyBody();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Node's message quotes part of the body (personal data): say only where it broke.
    const message = error instanceof Error ? error.message : '';
    const position = /position (\d+)/.exec(message)?.[1];
    throw intakeErrors.malformedJson(
      position !== undefined
        ? `it breaks at character ${position}`
        : /end of JSON/i.test(message)
          ? 'it ends too early'
          : 'it holds text that is not JSON (are all strings in double quotes?)',
    );
  }
}
