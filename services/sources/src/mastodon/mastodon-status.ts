/**
 * Mastodon's streaming API (docs.joinmastodon.org/methods/streaming), read over its WebSocket at
 * /api/v1/streaming: the client sends {"type":"subscribe","stream":"hashtag","tag":"..."} (or
 * "public"), the server sends {"stream":[...],"event":"update","payload":"<Status as JSON text>"}
 * and other events (delete, status.update, notification, ...) or {"error":"..."}.
 *
 * A Status becomes a candidate post: its text from the HTML `content`, language from `language`,
 * hashtags from `tags`, the author hashed like reporter ids. Its id is derived from the status's
 * `uri`, which is the same on every instance it federates to, so the same post seen on two
 * instances is one post. Pure: text in, verdict out.
 */
import { createHash } from 'node:crypto';
import type { PostInput } from '../../../../schemas/events/index';

export type StreamMessage =
  | { type: 'update'; status: unknown; stream: string[] }
  | { type: 'error'; message: string }
  | { type: 'other'; event: string }
  | { type: 'invalid'; reason: string };

export function readStreamMessage(text: string): StreamMessage {
  let m: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { type: 'invalid', reason: 'message is not a JSON object' };
    m = parsed as Record<string, unknown>;
  } catch (err) {
    return { type: 'invalid', reason: `message is not JSON: ${(err as Error).message}` };
  }
  if (typeof m.error === 'string') return { type: 'error', message: m.error };
  if (typeof m.event !== 'string') return { type: 'invalid', reason: 'message has no event' };
  if (m.event !== 'update') return { type: 'other', event: m.event };
  if (typeof m.payload !== 'string') return { type: 'invalid', reason: 'update without a payload string' };
  try {
    return { type: 'update', status: JSON.parse(m.payload), stream: Array.isArray(m.stream) ? m.stream.map(String) : [] };
  } catch (err) {
    return { type: 'invalid', reason: `update payload is not JSON: ${(err as Error).message}` };
  }
}

export type StatusVerdict = { type: 'post'; candidate: PostInput; tags: string[] } | { type: 'skip'; reason: string } | { type: 'invalid'; reason: string };

const LANG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

export function mastodonPostId(uri: string): string {
  return `masto:${createHash('sha256').update(uri).digest('hex').slice(0, 40)}`;
}

export function statusToPost(status: unknown, instance: string, hashAuthor: (id: string) => string): StatusVerdict {
  if (status === null || typeof status !== 'object') return { type: 'invalid', reason: 'status is not an object' };
  const s = status as Record<string, unknown>;
  if (s.reblog !== null && s.reblog !== undefined) return { type: 'skip', reason: 'a boost (the original is streamed on its own)' };
  if (typeof s.uri !== 'string' || s.uri.length === 0) return { type: 'invalid', reason: 'status.uri is missing' };
  if (typeof s.content !== 'string') return { type: 'invalid', reason: 'status.content is not a string' };
  const created = typeof s.created_at === 'string' ? Date.parse(s.created_at) : NaN;
  if (!Number.isFinite(created)) return { type: 'invalid', reason: 'status.created_at is not a date' };
  const account = s.account as Record<string, unknown> | undefined;
  const author = typeof account?.url === 'string' ? account.url : typeof account?.acct === 'string' ? `${account.acct}@${new URL(instance).host}` : undefined;
  if (author === undefined) return { type: 'invalid', reason: 'status.account has neither url nor acct' };
  const spoiler = typeof s.spoiler_text === 'string' && s.spoiler_text.trim() !== '' ? `${s.spoiler_text.trim()}\n` : '';
  const text = (spoiler + htmlToText(s.content)).trim();
  if (text === '') return { type: 'skip', reason: 'no text (media only)' };
  const candidate: PostInput = { id: mastodonPostId(s.uri), at: created, text, source: 'mastodon', authorHash: hashAuthor(author) };
  if (typeof s.language === 'string' && LANG.test(s.language)) candidate.lang = s.language;
  const tags = Array.isArray(s.tags) ? s.tags.flatMap((t) => (typeof (t as { name?: unknown })?.name === 'string' ? [(t as { name: string }).name] : [])) : [];
  return { type: 'post', candidate, tags };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Mastodon's sanitised HTML (p, br, a, span) to plain text. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}
