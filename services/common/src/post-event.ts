/**
 * The rules every social post obeys before it reaches downradar.posts, for every path that writes
 * one: ingest (POST /v1/posts and its NDJSON batches) and the live sources (Bluesky, Mastodon).
 * One place, so a post from Jetstream is held to exactly what a post from the API is.
 *
 * Results instead of exceptions: `ok` with the value, or a code, the field and the reason, which
 * an HTTP route turns into a 4xx and a source into a dead letter.
 */
import type { PostEvent, PostInput } from '../../../schemas/events/index';

export type EventCheck<T> = { ok: true; value: T } | { ok: false; code: string; field: string; reason: string };

export const refuse = (code: string, field: string, reason: string): EventCheck<never> => ({ ok: false, code, field, reason });

/** Control characters other than tab and newline have no business in text fields. */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export const MAX_AHEAD_MS = 5 * 60_000;
export const MAX_BACK_MS = 7 * 86_400_000;

/**
 * Event times may be at most 5 minutes ahead and 7 days back. `replay` (API-key holders replaying
 * a historical scenario, header x-downradar-replay) lifts the lower bound only.
 */
export function checkEventTime(at: number | undefined, now: number, field: string, replay = false): EventCheck<number> {
  if (at === undefined) return { ok: true, value: now };
  if (at > now + MAX_AHEAD_MS) return refuse('TIME_IN_FUTURE', field, 'is more than 5 minutes in the future');
  if (!replay && at < now - MAX_BACK_MS) return refuse('TIME_TOO_OLD', field, 'is more than 7 days in the past (historical replays send x-downradar-replay: 1 with an API key)');
  return { ok: true, value: at };
}

/** A schema-valid PostInput becomes the PostEvent stored on downradar.posts, or a refusal. */
export function postEvent(input: PostInput, now: number, replay = false): EventCheck<PostEvent> {
  if (CONTROL_CHARACTERS.test(input.text)) return refuse('BAD_TEXT', 'text', 'contains control characters');
  if (CONTROL_CHARACTERS.test(input.authorHash)) return refuse('BAD_TEXT', 'authorHash', 'contains control characters');
  const at = checkEventTime(input.at, now, 'at', replay);
  if (!at.ok) return at;
  return { ok: true, value: { ...input, receivedAt: now } };
}
