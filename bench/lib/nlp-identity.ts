/**
 * Every output of the text understanding, for a set of posts, written as one NDJSON line a post,
 * so that two implementations (main's and a branch's) can be compared field by field:
 *
 *   npx tsx bench/lib/nlp-identity.ts <worktree root whose services/nlp to load> <out.ndjson> [scale]
 *   npx tsx bench/lib/nlp-identity.ts <worktree root> --sample services/nlp/data/identity-sample.ndjson.gz
 *
 * The posts: the labelled set (dev and test), the realistic mix of throughput.ts (20,000 posts),
 * the same mix made unique as nlp.bench.ts's memory check does it (200,000), and the posts of the
 * fb-2021-10-04 replay at `scale` (default 0.05). Each line holds understandPost's answer and
 * readPost's (with a fixed receivedAt), nothing else; the last line counts posts per set. Two
 * files are equal when the implementations agree on every signal, service, category, language,
 * confidence and piece of evidence.
 *
 * `--sample` writes a drawn sample instead (every labelled post, every 100th post of the unique
 * mix, and one post of each of 2,000 distinct texts of the day at scale 0.02), with each post's
 * input beside its outputs, gzipped: what identity.test.ts compares the library against. Made
 * from main's services/nlp, it pins every output of today's reading.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { generateEvents } from '../../services/replay/src/generator';
import { loadScenario } from '../../services/replay/src/scenario-loader';

const root = resolve(process.argv[2] ?? '.');
const sampleOut = process.argv[3] === '--sample' ? process.argv[4] : undefined;
const out = process.argv[3] ?? '/tmp/nlp-identity.ndjson';
const scale = sampleOut ? 0.02 : Number(process.argv[4] ?? 0.05);

type Post = { id: string; text: string; at?: number; country?: string; lang?: string; authorHash?: string };

const { createUnderstanding } = (await import(`${root}/services/nlp/src/understanding.ts`)) as typeof import('../../services/nlp/src/understanding');
const { loadLabelledSet } = (await import(`${root}/services/nlp/src/labelled-set.ts`)) as typeof import('../../services/nlp/src/labelled-set');
const { realisticPostMix } = (await import(`${root}/services/nlp/src/throughput.ts`)) as typeof import('../../services/nlp/src/throughput');

const nlp = createUnderstanding();
const sets: Array<[string, Post[]]> = [];
const { dev, test } = loadLabelledSet();
sets.push(['labelled', [...dev, ...test].map((e, i) => ({ id: `l-${i}`, text: e.text, ...(e.lang === 'hi-Latn' ? {} : { lang: e.lang }) }))]);
sets.push(['labelled-undeclared', [...dev, ...test].map((e, i) => ({ id: `u-${i}`, text: e.text }))]);
const mix = realisticPostMix(20_000);
sets.push(['mix', mix]);
sets.push(['mix-unique', Array.from({ length: 200_000 }, (_, i) => ({ ...mix[i % mix.length]!, id: `m-${i}`, text: `${mix[i % mix.length]!.text} u${i}` }))]);
const day: Post[] = [];
for (const e of generateEvents(loadScenario('fb-2021-10-04'), { scale })) if (e.kind === 'post') day.push({ ...e.post, at: e.post.at ?? 0 });
sets.push(['day', day]);

if (sampleOut) {
  const drawn: Array<[string, Post]> = [];
  for (const p of sets[0]![1]) drawn.push(['labelled', p]);
  sets[3]![1].forEach((p, i) => {
    if (i % 100 === 0) drawn.push(['mix-unique', p]);
  });
  const seen = new Set<string>();
  const distinct = day.filter((p) => !seen.has(p.text) && seen.add(p.text));
  const step = distinct.length / 2000;
  for (let k = 0; k < 2000; k++) drawn.push(['day', distinct[Math.floor(k * step)]!]);
  const lines = drawn.map(([set, p]) => JSON.stringify({ set, post: p, understood: nlp.understandPost(p), read: nlp.readPost(p, 1_700_000_000_000) }));
  writeFileSync(sampleOut, gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
  console.log(JSON.stringify({ root, sampleOut, posts: lines.length }));
  process.exit(0);
}

const file = createWriteStream(out);
const counts: Record<string, number> = {};
const digest = createHash('sha256');
for (const [name, posts] of sets) {
  for (const p of posts) {
    const understood = nlp.understandPost(p);
    const read = nlp.readPost(p, 1_700_000_000_000);
    const line = `${JSON.stringify({ set: name, id: p.id, understood, read })}\n`;
    digest.update(line);
    if (!file.write(line)) await new Promise<void>((r) => file.once('drain', () => r()));
  }
  counts[name] = posts.length;
}
file.end(`${JSON.stringify({ counts, sha256: digest.digest('hex') })}\n`);
await new Promise<void>((r) => file.once('finish', () => r()));
console.log(JSON.stringify({ root, out, counts }));
