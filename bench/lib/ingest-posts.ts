/**
 * What ingest's text understanding costs a post of the e2e day: the posts of the fb-2021-10-04
 * replay at a scale (default 0.02) read by `readPost`, as ingest reads them, CPU per post.
 *
 *   npx tsx bench/lib/ingest-posts.ts [scale] [rounds]
 */
import { createUnderstanding } from '../../services/nlp/src/understanding';
import { loadCatalog } from '../../schemas/catalog/index';
import { generateEvents } from '../../services/replay/src/generator';
import { loadScenario } from '../../services/replay/src/scenario-loader';

const scale = Number(process.argv[2] ?? 0.02);
const rounds = Number(process.argv[3] ?? 3);
const posts: { id: string; text: string; at: number; country?: string; lang?: string; authorHash?: string }[] = [];
for (const e of generateEvents(loadScenario('fb-2021-10-04'), { scale })) if (e.kind === 'post') posts.push({ ...e.post, at: e.post.at ?? 0 });
const distinct = new Set(posts.map((p) => p.text)).size;
const nlp = createUnderstanding({ catalog: loadCatalog() });
let signals = 0;
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  for (const p of posts) signals += nlp.readPost(p, p.at).signals.length;
  const c = process.cpuUsage(c0);
  console.log(`round ${r + 1}: ${posts.length} posts (${distinct} distinct texts), ${(((c.user + c.system) / posts.length)).toFixed(1)} µs CPU a post, ${signals} signals so far`);
}
