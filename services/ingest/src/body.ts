/**
 * Request bodies arrive as buffers so that invalid UTF-8 and __proto__ / constructor keys get a
 * 400 naming the problem, never a crash or a polluted object.
 */
import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { HttpError } from '@downradar/common/http';

/** A single event's JSON body; batches have their own limit (batchMaxBytes). */
const SINGLE_BODY_LIMIT = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new HttpError(400, 'BAD_ENCODING', 'body is not valid UTF-8', '(body)');
  }
}

/**
 * secure-json-parse is JSON.parse plus two regular expressions over the text for a __proto__ or
 * constructor key, written plainly or with \u escapes. A text that contains neither word and no
 * \u escape at all (nearly every line) cannot hold such a key, so it skips those two scans (a
 * visible part of a batched line's parsing in the profile); anything else goes through it whole.
 */
function mayHoldForbiddenKey(text: string): boolean {
  return text.includes('__proto__') || text.includes('constructor') || text.includes('\\u') || text.charCodeAt(0) === 0xfeff;
}

export function parseJsonStrict(text: string, field: string): unknown {
  try {
    if (!mayHoldForbiddenKey(text)) return JSON.parse(text);
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const msg = (err as Error).message;
    if (/prototype|constructor/i.test(msg)) throw new HttpError(400, 'FORBIDDEN_KEY', `${field} contains a __proto__ or constructor key`, field);
    throw new HttpError(400, 'BAD_JSON', `${field} is not valid JSON: ${msg}`, field);
  }
}

/** application/json for single events; application/x-ndjson (one event a line) for batches. */
export function registerBodyParsers(app: FastifyInstance, batchMaxBytes: number): void {
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: SINGLE_BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, parseJsonStrict(decodeUtf8(body as Buffer), '(body)'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer', bodyLimit: batchMaxBytes }, (_req, body, done) => {
    try {
      done(null, decodeUtf8(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
