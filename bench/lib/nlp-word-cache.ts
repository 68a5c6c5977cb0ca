/**
 * How often the per-word caches of the text understanding answer, and what they hold, on one
 * source of posts read by `readPost` in a fresh process (the caches are per process):
 *
 *   npx tsx bench/lib/nlp-word-cache.ts day [scale]      the fb-2021-10-04 day's posts (default 0.02)
 *   npx tsx bench/lib/nlp-word-cache.ts test             the labelled set's test part (hand-written, never tuned on)
 *   npx tsx bench/lib/nlp-word-cache.ts text <file>      any plain text, cut into post-sized sentences
 *                                                        (e.g. /usr/local/go/src/testdata/Isaac.Newton-Opticks.txt:
 *                                                        real prose this project did not write, an open vocabulary)
 *   npx tsx bench/lib/nlp-word-cache.ts unique [posts]   the throughput mix, every post made unique (default 450,000):
 *                                                        the caches fill to their bound and must stay there
 *
 * `pieces`: the tokenizer's pieces (a word, a hashtag, punctuation), whose tokens are kept whole;
 * every piece of every post asks this cache. `words` and `facts` are asked only for a piece not
 * in it. Run with `node --expose-gc --import tsx` for heap figures without garbage.
 */
import { readFileSync } from 'node:fs';
import { loadLabelledSet } from '../../services/nlp/src/labelled-set';
import { WORD_CACHE_GENERATION, wordCacheStats } from '../../services/nlp/src/text-tokens';
import { realisticPostMix } from '../../services/nlp/src/throughput';
import { createUnderstanding, type PostText } from '../../services/nlp/src/understanding';
import { generateEvents } from '../../services/replay/src/generator';
import { loadScenario } from '../../services/replay/src/scenario-loader';

const source = process.argv[2] ?? 'day';
const arg = process.argv[3];

function postsOf(): PostText[] {
  if (source === 'day') {
    const posts: PostText[] = [];
    for (const e of generateEvents(loadScenario('fb-2021-10-04'), { scale: Number(arg ?? 0.02) })) if (e.kind === 'post') posts.push({ ...e.post, at: e.post.at ?? 0 });
    return posts;
  }
  if (source === 'test') return loadLabelledSet().test.map((e, i) => ({ id: `t-${i}`, text: e.text }));
  if (source === 'text') {
    if (!arg) throw new Error('text needs a file');
    // Sentences, joined up to about a post's length (280 characters).
    const sentences = readFileSync(arg, 'utf8').replace(/\s+/g, ' ').split(/(?<=[.!?;:])\s+/);
    const posts: PostText[] = [];
    let current = '';
    for (const s of sentences) {
      if (current && current.length + s.length > 280) {
        posts.push({ id: `x-${posts.length}`, text: current });
        current = '';
      }
      current = current ? `${current} ${s}` : s.slice(0, 280);
    }
    if (current) posts.push({ id: `x-${posts.length}`, text: current });
    return posts;
  }
  if (source === 'unique') {
    const mix = realisticPostMix(20_000);
    return Array.from({ length: Number(arg ?? 450_000) }, (_, i) => ({ ...mix[i % mix.length]!, id: `m-${i}`, text: `${mix[i % mix.length]!.text} u${i}` }));
  }
  throw new Error(`unknown source ${source}`);
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
};

const posts = postsOf();
const nlp = createUnderstanding();
const base = wordCacheStats();
const heapStart = heapMb();
const rate = (s: { hits: number; misses: number }, b: { hits: number; misses: number }) => {
  const hits = s.hits - b.hits;
  const asked = hits + s.misses - b.misses;
  return { asked, hit_rate: asked === 0 ? null : Math.round((hits / asked) * 1000) / 1000 };
};
const report: Record<string, unknown> = { source, arg: arg ?? null, posts: posts.length, distinct_texts: new Set(posts.map((p) => p.text)).size, generation: WORD_CACHE_GENERATION };
const checkpoints = source === 'unique' ? [50_000, 250_000, posts.length] : [posts.length];
let done = 0;
for (const until of checkpoints) {
  for (; done < Math.min(until, posts.length); done++) nlp.readPost(posts[done]!, 1_700_000_000_000);
  const s = wordCacheStats();
  report[`after_${done}`] = {
    pieces: { ...rate(s.pieces, base.pieces), size: s.pieces.size },
    words: { ...rate(s.words, base.words), size: s.words.size },
    facts: { ...rate(s.facts, base.facts), size: s.facts.size },
    heap_mb: heapMb(),
  };
}
report.heap_start_mb = heapStart;
report.gc = gc !== undefined;
console.log(JSON.stringify(report, null, 1));
