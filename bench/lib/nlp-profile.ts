/**
 * Where the reading of a post spends its CPU, from a V8 .cpuprofile of a run of
 * bench/lib/ingest-posts.ts (or any run of services/nlp):
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/p --import tsx bench/lib/ingest-posts.ts 0.02 3
 *   npx tsx bench/lib/nlp-profile.ts /tmp/p/<file>.cpuprofile [posts] [top]
 *
 * Prints, in µs a post when `posts` is given (else ms): the time inside each step of the reading
 * (inclusive: a function and what it calls, counted once however deep it recurses), the self time
 * of services/nlp's functions, and the lines of services/nlp with the most samples (V8's
 * positionTicks).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  positionTicks?: Array<{ line: number; ticks: number }>;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: nlp-profile.ts <file.cpuprofile> [posts] [top]');
const posts = process.argv[3] ? Number(process.argv[3]) : undefined;
const top = Number(process.argv[4] ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const shortUrl = (url: string) => url.replace(/^.*\/(services|bench|schemas|node_modules)\//, '$1/');
// tsx writes each module on one line: an anonymous function is told apart by its column.
const nameOf = (n: ProfileNode) =>
  `${n.callFrame.functionName || `(anonymous@${(n.callFrame as { columnNumber?: number }).columnNumber ?? 0})`} ${shortUrl(n.callFrame.url)}`;

// Inclusive time per function: a node's subtree, unless an ancestor is the same function (recursion).
const totalOf = new Map<number, number>();
function total(id: number): number {
  const known = totalOf.get(id);
  if (known !== undefined) return known;
  const n = byId.get(id)!;
  let t = selfUs.get(id) ?? 0;
  for (const c of n.children ?? []) t += total(c);
  totalOf.set(id, t);
  return t;
}
for (const n of profile.nodes) total(n.id);
const inclusive = new Map<string, number>();
for (const n of profile.nodes) {
  const name = nameOf(n);
  let up = parent.get(n.id);
  let nested = false;
  while (up !== undefined && !nested) {
    nested = nameOf(byId.get(up)!) === name;
    up = parent.get(up);
  }
  if (!nested) inclusive.set(name, (inclusive.get(name) ?? 0) + totalOf.get(n.id)!);
}
const self = new Map<string, number>();
for (const n of profile.nodes) self.set(nameOf(n), (self.get(nameOf(n)) ?? 0) + (selfUs.get(n.id) ?? 0));

const all = [...selfUs.values()].reduce((a, b) => a + b, 0);
const fmt = (us: number) => (posts ? `${(us / posts).toFixed(2)} µs/post` : `${(us / 1000).toFixed(0)} ms`);
console.log(`total ${fmt(all)}`);

const STEPS = [
  'readPost', 'understandPost', 'read', 'tokenise', 'detectLanguage', 'cueLanguageVotes', 'analyseCues', 'closeClause', 'addRuleCues',
  '(anonymous', 'wordNames', 'assignPolarity', 'decideAmbiguous', 'combinePolarity', 'score', 'problemFeatures', 'undecidedSaysOutage',
];
console.log('\nsteps (inclusive):');
for (const step of STEPS) {
  const rows = [...inclusive].filter(([name]) => (step === '(anonymous' ? name.startsWith(step) : name.startsWith(`${step} `)) && name.includes('services/nlp'));
  for (const [name, us] of rows) if (us >= all / 200) console.log(`  ${fmt(us).padStart(16)}  ${name}`);
}
console.log('\nself time, top functions:');
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${fmt(us).padStart(16)}  ${name}`);

// Lines: positionTicks count samples (not time); scale by the node's self time per tick.
const lines = new Map<string, number>();
for (const n of profile.nodes) {
  if (!n.callFrame.url.includes('services/nlp') || !n.positionTicks) continue;
  const ticks = n.positionTicks.reduce((a, p) => a + p.ticks, 0);
  const perTick = ticks > 0 ? (selfUs.get(n.id) ?? 0) / ticks : 0;
  for (const p of n.positionTicks) {
    const key = `${shortUrl(n.callFrame.url)}:${p.line} (${n.callFrame.functionName})`;
    lines.set(key, (lines.get(key) ?? 0) + p.ticks * perTick);
  }
}
console.log('\nlines of services/nlp, top:');
for (const [line, us] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${fmt(us).padStart(16)}  ${line}`);
