/**
 * Is a service's memory flat under sustained load? From a series of samples (seconds since the
 * load started, MB), the peak in the middle third of the series' span and the peak in its last
 * third: a memory that keeps growing while the load goes on has a late peak above the middle one
 * (`growthLateMb` > 0), one that settled after warm-up has about the same. The first third is left
 * out on purpose: start-up, JIT and the first fetches and batches fill it whatever the load.
 *
 * Peaks answer "how much does it need"; a garbage-collected heap swings between collections, so
 * two single peaks can differ by a whole swing with no growth at all. The median of each third
 * (`levelMidMb`, `levelLateMb`) is the level the memory holds, and its difference
 * (`levelGrowthLateMb`) is the steadier sign of a leak.
 */
export interface MemoryPoint {
  t_s: number;
  mb: number;
}

export interface MemoryFlatness {
  /** the most held in the middle third of the span */
  midMb: number;
  /** the most held in the last third */
  lateMb: number;
  /** late minus mid: how much more the last third needed */
  growthLateMb: number;
  /** the median held in the middle third, and in the last third */
  levelMidMb: number;
  levelLateMb: number;
  /** late level minus mid level */
  levelGrowthLateMb: number;
  /** samples in the middle and in the last third */
  midSamples: number;
  lateSamples: number;
}

/**
 * The flatness of one series, or undefined when it cannot be told: fewer than 3 finite samples,
 * no time between the first and the last, or a third with no sample in it. Thirds split the span
 * from the first sample to the last by time (samples may be uneven: a slow sample takes longer);
 * a sample exactly on a border belongs to the later third.
 */
export function memoryFlatness(points: readonly MemoryPoint[]): MemoryFlatness | undefined {
  const valid = points.filter((p) => Number.isFinite(p.t_s) && Number.isFinite(p.mb)).sort((a, b) => a.t_s - b.t_s);
  if (valid.length < 3) return undefined;
  const start = valid[0]!.t_s;
  const span = valid[valid.length - 1]!.t_s - start;
  if (!(span > 0)) return undefined;
  const midFrom = start + span / 3;
  const lateFrom = start + (2 * span) / 3;
  const mid = valid.filter((p) => p.t_s >= midFrom && p.t_s < lateFrom);
  const late = valid.filter((p) => p.t_s >= lateFrom);
  if (mid.length === 0 || late.length === 0) return undefined;
  const midMb = Math.max(...mid.map((p) => p.mb));
  const lateMb = Math.max(...late.map((p) => p.mb));
  const levelMidMb = medianOf(mid.map((p) => p.mb));
  const levelLateMb = medianOf(late.map((p) => p.mb));
  return {
    midMb,
    lateMb,
    growthLateMb: lateMb - midMb,
    levelMidMb,
    levelLateMb,
    levelGrowthLateMb: levelLateMb - levelMidMb,
    midSamples: mid.length,
    lateSamples: late.length,
  };
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/**
 * Each service's series out of timeline samples that hold a `<field>` record per sample (a service
 * missing from a sample, e.g. not started yet, is left out of that sample).
 */
export function seriesOf(samples: readonly { t_s: number }[], pick: (s: { t_s: number }) => Record<string, number> | undefined, service: string): MemoryPoint[] {
  const out: MemoryPoint[] = [];
  for (const s of samples) {
    const mb = pick(s)?.[service];
    if (mb !== undefined && Number.isFinite(mb)) out.push({ t_s: s.t_s, mb });
  }
  return out;
}

/**
 * The V8 figures a service's /metrics exports (prom-client's default metrics, prefix downradar_),
 * in MB, summed over every line of each (a cluster answers one per worker, or their sum): the
 * heap in use and the memory held outside the heap for buffers (`external`). NaN when absent.
 */
export function v8MemoryMb(metricsText: string): { heapUsedMb: number; externalMb: number } {
  const sum = (name: string) => {
    let total = NaN;
    for (const line of metricsText.split('\n')) {
      if (!line.startsWith(name)) continue;
      const rest = line.slice(name.length);
      if (rest[0] !== ' ' && rest[0] !== '{') continue;
      const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) total = (Number.isNaN(total) ? 0 : total) + value;
    }
    return total / 2 ** 20;
  };
  return { heapUsedMb: sum('downradar_nodejs_heap_size_used_bytes'), externalMb: sum('downradar_nodejs_external_memory_bytes') };
}
