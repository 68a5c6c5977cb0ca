/**
 * mulberry32: a small, fast generator, deterministic for a seed, for synthetic traffic in tests and
 * benchmarks (the same seed gives the same data on every machine). Not for anything secret, and
 * not the scenario generator's (services/replay uses sfc32, reseeded per minute, so that any slice
 * of a scenario is reproducible on its own).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
