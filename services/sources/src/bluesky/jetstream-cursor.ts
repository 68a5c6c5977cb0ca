/**
 * Where the Bluesky connector stands in Jetstream, committed in the same Kafka transaction as the
 * posts it produced (services/sources/src/kafka/source-writer.ts), so the two never disagree.
 *
 * Resuming: Jetstream replays from a `cursor` (time_us) and advises reconnecting a few seconds
 * before the last processed event, because events around the cursor may come in a slightly
 * different order, and another Jetstream instance stamps the same event with a slightly different
 * time_us. So a restart starts `rewindUs` before the committed time_us, and the ids of the posts
 * produced within that rewind are kept in the cursor record: replayed ones are recognised and not
 * produced again. Nothing after the committed cursor was committed, so nothing is lost; nothing
 * produced within the rewind is produced twice.
 */
export interface CursorState {
  /** Largest time_us processed and committed; null before the first event. */
  timeUs: number | null;
  /** Endpoint the events came from (the connector starts there again). */
  endpoint: string | null;
  /** Post ids produced with their time_us, newest last, for the last rewindUs before timeUs. */
  recent: [string, number][];
}

export class JetstreamCursor {
  private timeUs: number | null;
  private endpoint: string | null;
  private readonly recent: [string, number][];
  private readonly recentIds: Set<string>;

  constructor(
    private readonly rewindUs: number,
    private readonly maxRecent = 50_000,
    state?: CursorState,
  ) {
    this.timeUs = state?.timeUs ?? null;
    this.endpoint = state?.endpoint ?? null;
    this.recent = state ? state.recent.map(([id, t]) => [id, t] as [string, number]) : [];
    this.recentIds = new Set(this.recent.map(([id]) => id));
  }

  /** The cursor to connect with: undefined (live tail) before any event. */
  resumeFromUs(): number | undefined {
    return this.timeUs === null ? undefined : Math.max(1, this.timeUs - this.rewindUs);
  }

  get position(): number | null {
    return this.timeUs;
  }

  get lastEndpoint(): string | null {
    return this.endpoint;
  }

  /** Already produced (within the rewind)? */
  produced(postId: string): boolean {
    return this.recentIds.has(postId);
  }

  /** Every processed event moves the cursor (posts or not). */
  advance(timeUs: number, endpoint: string): void {
    if (this.timeUs === null || timeUs > this.timeUs) this.timeUs = timeUs;
    this.endpoint = endpoint;
  }

  markProduced(postId: string, timeUs: number): void {
    if (this.recentIds.has(postId)) return;
    this.recent.push([postId, timeUs]);
    this.recentIds.add(postId);
    if (this.recent.length > this.maxRecent) this.recentIds.delete(this.recent.shift()![0]);
  }

  /** The record to commit: recent ids older than the rewind are no longer needed and are dropped. */
  snapshot(): CursorState {
    if (this.timeUs !== null) {
      const horizon = this.timeUs - this.rewindUs;
      const kept = this.recent.filter(([id, t]) => t >= horizon || !this.recentIds.delete(id));
      this.recent.splice(0, this.recent.length, ...kept);
    }
    return { timeUs: this.timeUs, endpoint: this.endpoint, recent: this.recent.map(([id, t]) => [id, t]) };
  }

  static parse(text: string | undefined): CursorState | undefined {
    if (text === undefined) return undefined;
    try {
      const o = JSON.parse(text) as Partial<CursorState>;
      if (o.timeUs !== null && typeof o.timeUs !== 'number') return undefined;
      return {
        timeUs: o.timeUs ?? null,
        endpoint: typeof o.endpoint === 'string' ? o.endpoint : null,
        recent: Array.isArray(o.recent) ? o.recent.filter((x): x is [string, number] => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number') : [],
      };
    } catch {
      return undefined;
    }
  }
}
