/**
 * `npm run nlp:eval`: how well and how fast downradar understands posts, written to
 * bench/results/nlp.json.
 *
 *  - Quality on both parts of the labelled set (services/nlp/data/labelled/): outage precision
 *    and recall, attribution (the exact set of services of a post), problem and language
 *    accuracy, overall, per language and per kind of case. The development part is what rules
 *    are tuned on (and what the problem classifier is trained on); the test part is never tuned
 *    on, and its misses are not printed here so that nobody tunes on them by accident.
 *    `-- --dev-misses` prints the development misses.
 *  - Throughput on one core (posts per CPU second on the realistic mix of throughput.ts, median
 *    of 3 runs), beside its natural peer in the same run: tokenising the same posts, the least
 *    any reading of a post costs. The ratio says what understanding costs on top.
 *  - Memory: heap after a warm-up, after 200,000 further unique posts (the bounded caches fill)
 *    and after 200,000 more (it should stay flat).
 */
import { median, writeResult } from '@downradar/common/bench-results';
import { evaluateUnderstanding, formatReport, formatTable, type EvaluationReport, type Scores } from '../services/nlp/src/evaluation';
import { loadLabelledSet, isHardCase } from '../services/nlp/src/labelled-set';
import { measureNlpThroughput, realisticPostMix } from '../services/nlp/src/throughput';
import { tokenise } from '../services/nlp/src/text-tokens';
import { createUnderstanding } from '../services/nlp/src/understanding';

const showDevMisses = process.argv.includes('--dev-misses');
const understanding = createUnderstanding();
const { dev, test } = loadLabelledSet();

const metrics: Record<string, number> = {};
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_');
const record = (prefix: string, s: Scores) => {
  const put = (name: string, v: number | null) => {
    if (v !== null) metrics[`${prefix}_${name}`] = v;
  };
  metrics[`${prefix}_posts`] = s.examples;
  put('outage_precision', s.outagePrecision);
  put('outage_recall', s.outageRecall);
  put('outage_accuracy', s.outageAccuracy);
  put('attribution', s.attribution);
  put('language_accuracy', s.languageAccuracy);
};

function report(name: string, examples: typeof dev): EvaluationReport {
  const r = evaluateUnderstanding(understanding, examples);
  console.log(`\n${formatReport(name, r)}`);
  console.log(`  hard cases: ${examples.filter(isHardCase).length} of ${examples.length}`);
  console.log(formatTable('language', r.byLanguage));
  console.log(formatTable('kind', r.byKind));
  record(name, r);
  if (r.problemAccuracy !== null) metrics[`${name}_problem_accuracy`] = r.problemAccuracy;
  for (const [lang, s] of Object.entries(r.byLanguage)) record(`${name}_lang_${slug(lang)}`, s);
  for (const [kind, s] of Object.entries(r.byKind)) record(`${name}_kind_${slug(kind)}`, s);
  return r;
}

const devReport = report('dev', dev);
if (showDevMisses) {
  for (const m of devReport.misses) console.log(`  dev ${m.line} ${m.lang} ${m.kind} ${m.what}: expected ${m.expected || '(none)'}, got ${m.got || '(none)'}: ${m.text}`);
}
report('test', test);

// Throughput, beside tokenising the same mix on the same core.
function tokenisePerCpuSecond(durationMs: number): number {
  const posts = realisticPostMix(20_000);
  const start = process.cpuUsage();
  let n = 0;
  let cpuMs = 0;
  while (cpuMs < durationMs) {
    for (let k = 0; k < 1000; k++) tokenise(posts[n++ % posts.length]!.text);
    const used = process.cpuUsage(start);
    cpuMs = (used.user + used.system) / 1000;
  }
  return n / (cpuMs / 1000);
}
const runs = [0, 1, 2].map(() => ({ understand: measureNlpThroughput({ understanding }).postsPerSecond, tokenise: tokenisePerCpuSecond(2000) }));
const postsPerS = median(runs.map((r) => r.understand));
const tokenisePerS = median(runs.map((r) => r.tokenise));
metrics.nlp_posts_per_s = Math.round(postsPerS);
metrics.peer_tokenise_posts_per_s = Math.round(tokenisePerS);
metrics.ratio_understand_to_tokenise = Math.round((postsPerS / tokenisePerS) * 1000) / 1000;

// Memory: heap after a warm-up, then after 200,000 more posts, each made unique.
const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};
const mix = realisticPostMix(20_000);
const unique = (i: number) => ({ ...mix[i % mix.length]!, id: `m-${i}`, text: `${mix[i % mix.length]!.text} u${i}` });
for (let i = 0; i < 50_000; i++) understanding.understandPost(unique(i));
const heapBefore = heapMb();
for (let i = 50_000; i < 250_000; i++) understanding.understandPost(unique(i));
const heapAfter = heapMb();
// A second window: once the bounded caches are full, the heap must not grow any more.
for (let i = 250_000; i < 450_000; i++) understanding.understandPost(unique(i));
const heapLater = heapMb();
metrics.heap_before_mb = Math.round(heapBefore * 10) / 10;
metrics.heap_after_200k_posts_mb = Math.round(heapAfter * 10) / 10;
metrics.heap_after_400k_posts_mb = Math.round(heapLater * 10) / 10;
metrics.heap_growth_first_200k_mb = Math.round((heapAfter - heapBefore) * 10) / 10;
metrics.heap_growth_second_200k_mb = Math.round((heapLater - heapAfter) * 10) / 10;

console.log(
  `\nthroughput: ${metrics.nlp_posts_per_s} posts per CPU second (median of 3; target 20,000); tokenising alone ` +
    `${metrics.peer_tokenise_posts_per_s}/s, ratio ${metrics.ratio_understand_to_tokenise}. Heap ${metrics.heap_before_mb} MB -> ` +
    `${metrics.heap_after_200k_posts_mb} MB after 200,000 more unique posts (caches filling) -> ${metrics.heap_after_400k_posts_mb} MB after ` +
    `200,000 more${gc ? '' : ' (no --expose-gc: figures include garbage)'}.\n`,
);
writeResult('nlp', metrics);
