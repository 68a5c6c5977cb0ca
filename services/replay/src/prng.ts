/**
 * Seeded randomness for the generator. Never Math.random: a scenario, a seed and a scale give the
 * same events on every machine.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, PractRand-clean, 128-bit state) is cheap in
 * V8 because it is all 32-bit integer arithmetic. The generator reseeds one instance per minute
 * from (scenario seed, epoch minute), so any slice of a scenario is reproducible on its own: a
 * replay `--from 16:00 --to 17:00` yields exactly the events a full run yields in that hour.
 */

/** murmur3's finaliser: a bijective avalanche on 32 bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Sfc32 {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  constructor(seed = 0, stream = 0) {
    this.reseed(seed, stream);
  }

  /** Independent-looking sequences for every (seed, stream) pair; stream is the epoch minute. */
  reseed(seed: number, stream: number): void {
    const s = seed >>> 0;
    const lo = stream >>> 0;
    const hi = Math.floor(stream / 4294967296) >>> 0;
    this.a = fmix32(s ^ 0x9e3779b9);
    this.b = fmix32(lo ^ 0x7f4a7c15);
    this.c = fmix32((Math.imul(lo, 0x9e3779b1) ^ hi ^ fmix32(s + 0x632be5ab)) >>> 0);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Box-Muller, one of the pair). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LOGGAM_COEF = [
  8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4, 8.417508417508418e-4,
  -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2, 1.796443723688307e-1, -1.3924322169059,
];

/** ln Γ(x) for x > 0 (Stirling series with upward shift below 7, as in numpy's random_loggam). */
export function logGamma(x: number): number {
  if (x === 1 || x === 2) return 0;
  let x0 = x;
  let n = 0;
  if (x <= 7) {
    n = Math.floor(7 - x);
    x0 = x + n;
  }
  const x2 = 1 / (x0 * x0);
  let gl0 = LOGGAM_COEF[9]!;
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + LOGGAM_COEF[k]!;
  let gl = gl0 / x0 + LOG_SQRT_2PI + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= n; k++) {
    gl -= Math.log(x0 - 1);
    x0 -= 1;
  }
  return gl;
}

/**
 * A Poisson draw. Knuth's product of uniforms below λ = 10 (expected λ+1 uniforms), Hörmann's
 * PTRS (transformed rejection with squeeze, 1993) above: O(1) for any λ, ~1.2 pairs of uniforms.
 */
export function poisson(rng: Sfc32, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.float();
    while (p > limit) {
      k++;
      p *= rng.float();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.float() - 0.5;
    const v = rng.float();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) return k;
  }
}

/**
 * Walker/Vose alias table: O(1) sampling from a discrete distribution with one uniform.
 * Built once per mix (problems, countries, templates), sampled millions of times.
 */
export class AliasTable {
  readonly size: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: readonly number[]) {
    const n = weights.length;
    if (n === 0) throw new Error('alias table needs at least one weight');
    const total = weights.reduce((s, w) => s + w, 0);
    if (!(total > 0) || weights.some((w) => !(w >= 0))) throw new Error('alias table weights must be >= 0 with a positive sum');
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1; // rounding leftovers
  }

  sample(rng: Sfc32): number {
    const u = rng.float() * this.size;
    const i = Math.floor(u);
    return u - i < this.prob[i]! ? i : this.alias[i]!;
  }
}

/** A weighted choice among values, backed by an alias table. */
export class WeightedPick<T> {
  private readonly table: AliasTable;
  constructor(
    readonly values: readonly T[],
    weights: readonly number[],
  ) {
    if (values.length !== weights.length) throw new Error('values and weights differ in length');
    this.table = new AliasTable(weights);
  }
  pick(rng: Sfc32): T {
    return this.values[this.table.sample(rng)]!;
  }
  static fromRecord(record: Record<string, number | undefined>): WeightedPick<string> {
    const entries = Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
    return new WeightedPick(
      entries.map((e) => e[0]),
      entries.map((e) => e[1]),
    );
  }
}
