/**
 * One Jetstream frame (github.com/bluesky-social/jetstream): JSON text with `did`, `time_us` and
 * `kind`, one of
 *   commit    {"commit": {"rev", "operation": "create"|"update"|"delete", "collection", "rkey",
 *              "record": {...}, "cid"}}
 *   identity  {"identity": {"did", "handle", "seq", "time"}}
 *   account   {"account": {"active", "did", "seq", "time", "status"?}}
 * `time_us` is when Jetstream saw the event, in microseconds: the cursor a client reconnects with.
 *
 * Only the creation of an `app.bsky.feed.post` becomes a post; every other frame still moves the
 * cursor. Pure: the connector feeds text and gets a verdict.
 */
import type { PostInput } from '../../../../schemas/events/index';

export const POST_COLLECTION = 'app.bsky.feed.post';
const TAG_FEATURE = 'app.bsky.richtext.facet#tag';

export interface BlueskyPost {
  /** Stable post id for downradar (see postIdFor); the DID itself is never stored. */
  candidate: PostInput;
  /** Hashtags from the record's facets and `tags`, which the text may not show as #words. */
  tags: string[];
}

export type FrameVerdict =
  | { type: 'post'; timeUs: number; post: BlueskyPost }
  | { type: 'skip'; timeUs: number }
  | { type: 'invalid'; timeUs: number | undefined; code: string; reason: string };

export interface FrameContext {
  maxFrameBytes: number;
  hashAuthor(did: string): string;
}

const LANG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const ID_PART = /^[A-Za-z0-9._:-]{1,80}$/;

/** `bsky:<author hash>:<rkey>`: stable across restarts and endpoints, and free of the DID. */
export function postIdFor(authorHash: string, rkey: string, hashAuthor: (did: string) => string): string {
  const key = ID_PART.test(rkey) ? rkey : hashAuthor(`rkey:${rkey}`).slice(0, 24);
  return `bsky:${authorHash.slice(0, 24)}:${key}`;
}

/** at://did/app.bsky.feed.post/rkey -> the post id of that post, or undefined. */
export function postIdOfUri(uri: unknown, hashAuthor: (did: string) => string): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const m = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([^/]+)$/.exec(uri);
  if (!m) return undefined;
  return postIdFor(hashAuthor(m[1]!), m[2]!, hashAuthor);
}

export function readFrame(data: string, ctx: FrameContext): FrameVerdict {
  if (data.length > ctx.maxFrameBytes && Buffer.byteLength(data, 'utf8') > ctx.maxFrameBytes) {
    return { type: 'invalid', timeUs: timeUsFromPrefix(data), code: 'FRAME_TOO_LARGE', reason: `frame of ${Buffer.byteLength(data, 'utf8')} bytes is over the ${ctx.maxFrameBytes}-byte limit` };
  }
  let f: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { type: 'invalid', timeUs: undefined, code: 'BAD_FRAME', reason: 'frame is not a JSON object' };
    f = parsed as Record<string, unknown>;
  } catch (err) {
    return { type: 'invalid', timeUs: undefined, code: 'NOT_JSON', reason: `frame is not JSON: ${(err as Error).message}` };
  }
  const timeUs = f.time_us;
  if (typeof timeUs !== 'number' || !Number.isSafeInteger(timeUs) || timeUs <= 0) return { type: 'invalid', timeUs: undefined, code: 'BAD_FRAME', reason: 'time_us is not a positive integer' };
  if (typeof f.did !== 'string' || !f.did.startsWith('did:')) return { type: 'invalid', timeUs, code: 'BAD_FRAME', reason: 'did is not a DID' };
  if (f.kind !== 'commit') {
    if (f.kind === 'identity' || f.kind === 'account') return { type: 'skip', timeUs };
    return { type: 'invalid', timeUs, code: 'BAD_FRAME', reason: `kind ${JSON.stringify(f.kind)} is not commit, identity or account` };
  }
  const c = f.commit as Record<string, unknown> | undefined;
  if (c === null || typeof c !== 'object') return { type: 'invalid', timeUs, code: 'BAD_FRAME', reason: 'commit frame without a commit object' };
  if (c.collection !== POST_COLLECTION || c.operation !== 'create') return { type: 'skip', timeUs };
  const record = c.record as Record<string, unknown> | undefined;
  if (typeof c.rkey !== 'string' || c.rkey.length === 0) return { type: 'invalid', timeUs, code: 'BAD_FRAME', reason: 'commit.rkey is missing' };
  if (record === null || typeof record !== 'object') return { type: 'invalid', timeUs, code: 'BAD_FRAME', reason: 'commit.record is missing on a create' };
  if (typeof record.text !== 'string') return { type: 'invalid', timeUs, code: 'BAD_FRAME', reason: 'commit.record.text is not a string' };

  const authorHash = ctx.hashAuthor(f.did);
  const candidate: PostInput = {
    id: postIdFor(authorHash, c.rkey, ctx.hashAuthor),
    // When the network saw it, not the client's createdAt: a client clock can say anything, and
    // the detector's windows are in event time.
    at: Math.floor(timeUs / 1000),
    text: record.text,
    source: 'bluesky',
    authorHash,
  };
  const langs = record.langs;
  if (Array.isArray(langs) && typeof langs[0] === 'string' && LANG.test(langs[0])) candidate.lang = langs[0];
  const reply = record.reply as { parent?: { uri?: unknown } } | undefined;
  const replyTo = postIdOfUri(reply?.parent?.uri, ctx.hashAuthor);
  if (replyTo) candidate.replyTo = replyTo;
  return { type: 'post', timeUs, post: { candidate, tags: tagsOf(record) } };
}

/** Hashtags of a post record: `app.bsky.richtext.facet#tag` features and the record's `tags`. */
export function tagsOf(record: Record<string, unknown>): string[] {
  const out: string[] = [];
  const facets = record.facets;
  if (Array.isArray(facets)) {
    for (const facet of facets) {
      const features = (facet as { features?: unknown })?.features;
      if (!Array.isArray(features)) continue;
      for (const feature of features) {
        const x = feature as { $type?: unknown; tag?: unknown };
        if (x?.$type === TAG_FEATURE && typeof x.tag === 'string' && x.tag.length <= 140) out.push(x.tag);
      }
    }
  }
  if (Array.isArray(record.tags)) for (const t of record.tags) if (typeof t === 'string' && t.length <= 140) out.push(t);
  return out;
}

/** time_us of a frame too large to parse, when it starts as Jetstream writes it. */
function timeUsFromPrefix(data: string): number | undefined {
  const m = /"time_us"\s*:\s*(\d{1,17})/.exec(data.slice(0, 512));
  return m ? Number(m[1]) : undefined;
}
