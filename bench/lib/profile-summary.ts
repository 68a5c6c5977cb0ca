/**
 * Where a process spent its CPU, from a V8 .cpuprofile (`node --cpu-prof`; the benchmarks write
 * them with DOWNRADAR_BENCH_CPU_PROF=<dir>):
 *
 *   npx tsx bench/lib/profile-summary.ts <file.cpuprofile | dir> [top]
 *
 * Prints self time by package or source folder (kafkajs, @clickhouse/client, ajv, services/sink,
 * garbage collection, idle, ...) and the functions with the most self time. A directory is every
 * profile in it, summed. DOWNRADAR_PROFILE_FROM=<area> counts each profile only from its first
 * sample in that area on (e.g. services/detector/src/core: from the first signal scored, leaving
 * out the start-up's module loading).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  byArea: [string, number][];
  byFunction: [string, number][];
}

/** The package (node_modules/<pkg>) or project folder (services/<x>/src/<dir>) a script belongs to. */
export function areaOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return '(garbage collector)';
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(program)') return '(program: native, outside JS)';
  if (!url) return '(native / builtins)';
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1]!;
  const own = url.match(/\/((?:services|schemas|tools|bench)\/[^/]+(?:\/src)?(?:\/[^/.]+(?=\/))?)/);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url.replace(/^file:\/\//, '').slice(-60);
}

export function summarize(profiles: Profile[], top = 25, fromArea?: string): ProfileSummary {
  const area = new Map<string, number>();
  const fn = new Map<string, number>();
  let totalMs = 0;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const from = fromArea === undefined ? 0 : p.samples.findIndex((id) => {
      const n = byId.get(id);
      return n !== undefined && areaOf(n.callFrame.url, n.callFrame.functionName) === fromArea;
    });
    if (from < 0) continue;
    for (let i = from; i < p.samples.length; i++) {
      const node = byId.get(p.samples[i]!);
      const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
      if (!node || ms <= 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      totalMs += ms;
      const a = areaOf(url, functionName);
      area.set(a, (area.get(a) ?? 0) + ms);
      const f = `${functionName || '(anonymous)'} ${a}:${lineNumber + 1}`;
      fn.set(f, (fn.get(f) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, byArea: sorted(area), byFunction: sorted(fn) };
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)} %`;
  const busy = s.totalMs - (s.byArea.find(([a]) => a === '(idle)')?.[1] ?? 0);
  return [
    `${(s.totalMs / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s not idle`,
    'self time by area:',
    ...s.byArea.map(([a, ms]) => `  ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(7)} s  ${a}`),
    'self time by function:',
    ...s.byFunction.map(([f, ms]) => `  ${pct(ms)}  ${f}`),
  ].join('\n');
}

export function loadProfiles(path: string): Profile[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(path, f))
    : [path];
  return files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Profile);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, top] = process.argv.slice(2);
  if (!path) {
    console.error('usage: profile-summary.ts <file.cpuprofile | dir> [top]');
    process.exit(2);
  }
  console.log(formatSummary(summarize(loadProfiles(path), Number(top ?? 25), process.env.DOWNRADAR_PROFILE_FROM)));
}
