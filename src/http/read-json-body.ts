import type { IncomingMessage } from 'node:http';

/** How a route words each refusal of a body (its own codes and fixes); the reader decides when. */
export interface BodyRefusals {
  /** 415: not JSON. */
  notJson(contentType: string): Error;
  /** 415: compressed or otherwise encoded; the size limit must count what is parsed. */
  encoded(encoding: string): Error;
  /** 413: over the limit, as declared or as it streams in. */
  tooLarge(limit: number): Error;
  /** 400 */
  empty(): Error;
  /** 400, saying only where the JSON broke: the body is the sender's data. */
  malformed(detail: string): Error;
}

/**
 * Reads a JSON body up to a limit, counting the bytes as they stream in, refusing before a byte
 * is read what the headers already rule out: a type that is not JSON, any Content-Encoding
 * (a gzip bomb's limit would count compressed bytes), a declared length over the limit. Written
 * here rather than taken from restify's bodyParser, which also takes multipart bodies into the
 * temp folder, so each refusal gets its own status and words.
 */
export async function readJsonBody(req: IncomingMessage, limit: number, refuse: BodyRefusals, options: { readonly typeRequired: boolean }): Promise<unknown> {
  const contentType = req.headers['content-type'] ?? '';
  if ((contentType !== '' || options.typeRequired) && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw refuse.notJson(contentType);
  }
  const encoding = req.headers['content-encoding'] ?? '';
  if (encoding !== '' && encoding.toLowerCase() !== 'identity') throw refuse.encoded(encoding);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw refuse.tooLarge(limit);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw refuse.tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw refuse.empty();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Node's message quotes part of the body (personal data): say only where it broke.
    const message = error instanceof Error ? error.message : '';
    const position = /position (\d+)/.exec(message)?.[1];
    throw refuse.malformed(
      position !== undefined
        ? `it breaks at character ${position}`
        : /end of JSON/i.test(message)
          ? 'it ends too early'
          : 'it holds text that is not JSON (are all strings in double quotes?)',
    );
  }
}
