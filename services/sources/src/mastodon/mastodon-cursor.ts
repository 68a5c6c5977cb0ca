/**
 * Where the Mastodon connector stands on each instance, committed in the same Kafka transaction as
 * the posts it produced (like the Jetstream cursor), so a restart or a dropped connection can fill
 * the gap from the instance's timelines API instead of losing what was published meanwhile.
 *
 * Mastodon status ids are snowflakes: the upper bits are a time in milliseconds, the low 16 bits a
 * sequence (docs.joinmastodon.org: ids are strings, sortable by length then lexically). A status
 * that federates in late gets an id from its own creation time, so it can sort a little before the
 * newest id seen; the gap fill therefore starts `rewindMs` before the newest id per instance, and
 * the ids of the posts produced within that rewind, kept in the record, are not produced again.
 * Pure: no I/O.
 */
export interface MastodonCursorState {
  /** Newest status id seen per instance (its own local ids). */
  lastIds: Record<string, string>;
  /** Post ids produced, with their status id's time (ms), for the last rewindMs; newest last. */
  recent: [string, number][];
}

const SNOWFLAKE = /^\d{1,20}$/;

/** The time part of a Mastodon snowflake id, in ms; undefined for an id that is not one. */
export function snowflakeMs(id: string): number | undefined {
  if (!SNOWFLAKE.test(id)) return undefined;
  return Number(BigInt(id) >> 16n);
}

/** The smallest snowflake id of that millisecond (a min_id that returns everything from then on). */
export function snowflakeAt(ms: number): string {
  return (BigInt(Math.max(0, Math.floor(ms))) << 16n).toString();
}

/** Compares two status ids as Mastodon does: longer is newer, then lexically. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

export class MastodonCursor {
  private readonly lastIds: Map<string, string>;
  private readonly recent: [string, number][];
  private readonly recentIds: Set<string>;
  private changed = false;

  constructor(
    private readonly rewindMs: number,
    private readonly maxRecent = 20_000,
    state?: MastodonCursorState,
  ) {
    this.lastIds = new Map(Object.entries(state?.lastIds ?? {}));
    this.recent = state ? state.recent.map(([id, t]) => [id, t] as [string, number]) : [];
    this.recentIds = new Set(this.recent.map(([id]) => id));
  }

  /** The min_id to fill a gap on this instance from; undefined before its first status. */
  gapFrom(instance: string): string | undefined {
    const last = this.lastIds.get(instance);
    if (last === undefined) return undefined;
    const ms = snowflakeMs(last);
    // Not a snowflake (an old or unusual server): from the id itself, without a rewind.
    return ms === undefined ? last : snowflakeAt(ms - this.rewindMs);
  }

  lastId(instance: string): string | undefined {
    return this.lastIds.get(instance);
  }

  /** Every status read moves the instance's position (posts or not). */
  advance(instance: string, statusId: string): void {
    const last = this.lastIds.get(instance);
    if (last === undefined || compareIds(statusId, last) > 0) {
      this.lastIds.set(instance, statusId);
      this.changed = true;
    }
  }

  produced(postId: string): boolean {
    return this.recentIds.has(postId);
  }

  markProduced(postId: string, statusId: string, now: number): void {
    if (this.recentIds.has(postId)) return;
    this.recent.push([postId, snowflakeMs(statusId) ?? now]);
    this.recentIds.add(postId);
    this.changed = true;
    if (this.recent.length > this.maxRecent) this.recentIds.delete(this.recent.shift()![0]);
  }

  /** A snapshot that was not committed: the next commit must carry one again. */
  markDirty(): void {
    this.changed = true;
  }

  /** Something to commit since the last snapshot? */
  get dirty(): boolean {
    return this.changed;
  }

  /**
   * The record to commit. Recent ids older than every instance's gap start can no longer be read
   * again and are dropped.
   */
  snapshot(): MastodonCursorState {
    const starts = [...this.lastIds.values()].map((id) => snowflakeMs(id)).filter((ms): ms is number => ms !== undefined);
    if (starts.length === this.lastIds.size && starts.length > 0) {
      const horizon = Math.min(...starts) - this.rewindMs;
      const kept = this.recent.filter(([id, t]) => t >= horizon || !this.recentIds.delete(id));
      this.recent.splice(0, this.recent.length, ...kept);
    }
    this.changed = false;
    return { lastIds: Object.fromEntries(this.lastIds), recent: this.recent.map(([id, t]) => [id, t]) };
  }

  static parse(text: string | undefined): MastodonCursorState | undefined {
    if (text === undefined) return undefined;
    try {
      const o = JSON.parse(text) as Partial<MastodonCursorState>;
      if (o === null || typeof o !== 'object' || typeof o.lastIds !== 'object' || o.lastIds === null) return undefined;
      const lastIds = Object.fromEntries(Object.entries(o.lastIds).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const recent = Array.isArray(o.recent) ? o.recent.filter((x): x is [string, number] => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number') : [];
      return { lastIds, recent };
    } catch {
      return undefined;
    }
  }
}

/** A timeline the gap fill reads: the public one, or one hashtag's with up to 4 more (`any[]`). */
export type FillStream = { kind: 'public' } | { kind: 'hashtag'; tag: string; any?: string[] };

/** Mastodon's tag timeline takes at most this many tags per mode (TagFeed's LIMIT_PER_MODE). */
export const TAGS_PER_REQUEST = 5;

/** The hashtags in groups that one tag-timeline request each can read (the first tag, the rest as any[]). */
export function hashtagStreams(hashtags: readonly string[]): FillStream[] {
  const out: FillStream[] = [];
  for (let i = 0; i < hashtags.length; i += TAGS_PER_REQUEST) {
    const [tag, ...any] = hashtags.slice(i, i + TAGS_PER_REQUEST);
    out.push(any.length > 0 ? { kind: 'hashtag', tag: tag!, any } : { kind: 'hashtag', tag: tag! });
  }
  return out;
}

export function describeStream(stream: FillStream): string {
  return stream.kind === 'public' ? 'public' : [stream.tag, ...(stream.any ?? [])].map((t) => `#${t}`).join(' ');
}

/**
 * The timelines API pages that fill a gap: /api/v1/timelines/tag/:hashtag (with any[] for more
 * tags) and, where the public stream is read, /api/v1/timelines/public, each with min_id (the
 * statuses right after it, at most `limit`, newest first in the page; the next page starts at the
 * newest of the previous one).
 */
export function timelineUrl(instance: string, stream: FillStream, minId: string, limit: number): string {
  const u = new URL(instance);
  u.pathname = stream.kind === 'public' ? '/api/v1/timelines/public' : `/api/v1/timelines/tag/${encodeURIComponent(stream.tag)}`;
  u.search = '';
  if (stream.kind === 'hashtag') for (const t of stream.any ?? []) u.searchParams.append('any[]', t);
  u.searchParams.set('min_id', minId);
  u.searchParams.set('limit', String(limit));
  return u.toString();
}

/** The newest of some status ids (undefined for none). */
export function newestId(ids: readonly string[]): string | undefined {
  return ids.reduce<string | undefined>((a, b) => (a === undefined || compareIds(b, a) > 0 ? b : a), undefined);
}

/**
 * How long to wait before the next timelines request, from Mastodon's rate-limit headers
 * (X-RateLimit-Remaining, X-RateLimit-Reset as an ISO time): 0 while requests remain, else until
 * the reset, at most `maxMs`. Pure.
 */
export function rateLimitWaitMs(status: number, remaining: string | null, reset: string | null, now: number, maxMs: number): number {
  const left = remaining === null ? NaN : Number(remaining);
  if (status !== 429 && !(Number.isFinite(left) && left <= 0)) return 0;
  const at = reset === null ? NaN : Date.parse(reset);
  // No usable reset time: Mastodon's window is 5 minutes.
  const wait = Number.isFinite(at) ? at - now : 5 * 60_000;
  return Math.min(maxMs, Math.max(1000, wait));
}
