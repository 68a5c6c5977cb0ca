/**
 * A post from a live source on its way to Kafka, through the same steps as a post sent to ingest:
 * the PostInput schema, common's post rules (control characters, event-time bounds), then the text
 * understanding, which decides whether the post is about a catalog service at all. Pure: no I/O,
 * no clock (the caller passes `now`).
 *
 * Outcomes, never exceptions: `post` (with its signals), `irrelevant` (no catalog service or
 * hashtag in it: most of the firehose), `invalid` (a code, the field and the reason, for the DLQ).
 */
import { compileValidator, postEvent } from '@downradar/common';
import type { Understanding } from '@downradar/nlp';
import { PostInput, type PostEvent, type SignalEvent } from '../../../../schemas/events/index';

export type PostOutcome =
  | { kind: 'post'; post: PostEvent; signals: SignalEvent[] }
  | { kind: 'irrelevant' }
  | { kind: 'invalid'; code: string; field: string; reason: string };

const checkPostInput = compileValidator(PostInput);

export interface PostPipeline {
  /**
   * `extraHashtags`: tags the source carries outside the text (Bluesky facets and record tags);
   * the understanding reads them as if they were written in the post, the stored text stays as it was.
   */
  process(candidate: unknown, now: number, extraHashtags?: readonly string[]): PostOutcome;
}

export function createPostPipeline(understanding: Pick<Understanding, 'signalsForPost'>): PostPipeline {
  return {
    process(candidate, now, extraHashtags = []) {
      const checked = checkPostInput(candidate);
      if (!checked.ok) return { kind: 'invalid', code: 'BAD_FIELD', field: checked.field, reason: checked.reason };
      const event = postEvent(checked.value, now);
      if (!event.ok) return { kind: 'invalid', code: event.code, field: event.field, reason: event.reason };
      const post = event.value;
      const missing = hashtagsNotInText(post.text, extraHashtags);
      const read = missing.length === 0 ? post : { ...post, text: `${post.text} ${missing.map((t) => `#${t}`).join(' ')}` };
      const signals = understanding.signalsForPost(read, now);
      if (signals.length === 0) return { kind: 'irrelevant' };
      return { kind: 'post', post, signals };
    },
  };
}

/** Tags (without '#') that the text does not already carry as a hashtag, lower-cased, without repeats. */
export function hashtagsNotInText(text: string, tags: readonly string[]): string[] {
  if (tags.length === 0) return [];
  const lower = text.toLowerCase();
  const out = new Set<string>();
  for (const raw of tags) {
    const tag = raw.replace(/^#/, '').trim().toLowerCase();
    if (tag === '' || /\s/.test(tag)) continue;
    if (!new RegExp(`#${escapeRegExp(tag)}(?![\\p{L}\\p{N}_])`, 'u').test(lower)) out.add(tag);
  }
  return [...out];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
