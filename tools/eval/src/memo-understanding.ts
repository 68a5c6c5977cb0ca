/**
 * Text understanding with a memory, for replays only. A scenario's posts come from templates:
 * 2 M posts hold about 50,000-70,000 distinct (text, country, language) triples, and reading a
 * post is the costliest step of a replay (about 44,000 posts per CPU second), so the eval reads
 * each triple once and stamps the post's own fields (id, times, author) on the signals it gave.
 *
 * What a post's signals depend on: the reading depends only on text, country and language; the
 * rest is copied from the post (`signalsForPost` in services/nlp). memo-understanding.test.ts
 * checks on generated posts that the memoised signals equal the direct ones, so a change in the
 * NLP that makes another field matter fails there instead of skewing the evaluation.
 */
import { signalIdFor, type Understanding } from '@downradar/nlp';
import type { SignalEvent } from '../../../schemas/events/index';

export type SignalSource = Pick<Understanding, 'signalForReport' | 'signalsForPost'>;

type PostArg = Parameters<Understanding['signalsForPost']>[0];

export interface MemoStats {
  hits: number;
  misses: number;
}

/** Wraps an Understanding; `capacity` bounds the memory (the cache starts over when full). */
export function memoizeUnderstanding(understanding: SignalSource, capacity = 250_000): SignalSource & { stats(): MemoStats } {
  let cache = new Map<string, SignalEvent[]>();
  const stats: MemoStats = { hits: 0, misses: 0 };
  return {
    signalForReport: (report) => understanding.signalForReport(report),
    signalsForPost(post: PostArg, receivedAt?: number): SignalEvent[] {
      const key = `${post.text}\u0001${post.country ?? ''}\u0001${post.lang ?? ''}`;
      const template = cache.get(key);
      if (template === undefined) {
        stats.misses++;
        const signals = understanding.signalsForPost(post, receivedAt);
        if (cache.size >= capacity) cache = new Map();
        cache.set(key, signals);
        return signals;
      }
      stats.hits++;
      if (template.length === 0) return template;
      const received = receivedAt ?? post.receivedAt ?? Date.now();
      const at = post.at ?? received;
      // A fixed shape (no spread, no delete): hundreds of thousands of these go through the detector.
      return template.map((t) => {
        const s: SignalEvent = {
          id: signalIdFor(post.id, t.serviceId),
          sourceId: post.id,
          serviceId: t.serviceId,
          kind: t.kind,
          at,
          receivedAt: received,
          outage: t.outage,
          problem: t.problem,
          confidence: t.confidence,
          hashtags: t.hashtags,
        };
        if (t.country !== undefined) s.country = t.country;
        if (post.authorHash) s.reporterHash = post.authorHash;
        if (t.evidence !== undefined) s.evidence = t.evidence;
        return s;
      });
    },
    stats: () => ({ ...stats }),
  };
}
