/**
 * The limit a detector is measured against: the expected detection delay of an optimal sequential
 * test that knows the true rates. Pure arithmetic, no I/O.
 *
 * The test is Page's CUSUM on Poisson window counts. For a step from rate λ0 to ρ·λ0 the
 * log-likelihood ratio of a count x is x·ln ρ - λ0(ρ - 1), so the CUSUM is, in count units,
 *
 *     S_0 = 0,   S_n = max(0, S_{n-1} + x_n - k),   alarm at the first n with S_n >= H,
 *     k = λ0 (ρ - 1) / ln ρ   (the reference value),
 *
 * which is optimal for that step in Lorden's minimax sense (Moustakides 1986): no test with the
 * same false-alarm rate has a smaller worst-case expected delay. H is set so that the average run
 * length before a false alarm under λ0 (ARL0) is one year of windows: one false alarm per service
 * per year.
 *
 * Outages are not steps (they ramp up over minutes), so the oracle takes, for each service, the
 * design ρ from a grid that gives the smallest expected delay on that service's true rate path:
 * the best CUSUM in hindsight. That makes it a stronger reference than any one fixed CUSUM.
 *
 * Computation (exact for the lattice, no simulation): S lives on a lattice of step 1/m counts
 * (k rounded to it: a CUSUM with that reference value, whose ARL0 and delay are then computed
 * exactly), the states 0 .. J-1 are S = j/m, and a count x moves j to max(0, j + m·x - K).
 * ARL0 solves (I - Q) L = 1 over the states (Brook and Evans 1972); J is the smallest threshold
 * with ARL0 >= the target. The delay distribution follows the state distribution window by window
 * under the true post-onset rates, starting from S = 0 (Lorden's worst case for CUSUM).
 */

export interface CusumDesign {
  /** Lattice steps per count. */
  m: number;
  /** Reference value in lattice steps (k = K / m counts per window). */
  K: number;
  /** Alarm threshold in lattice steps (H = J / m counts). */
  J: number;
  /** The design ratio ρ this reference value was derived from. */
  ratio: number;
  /** ARL0 of (K, J) at the design's normal rate, in windows. */
  arl0: number;
}

/** ln(x!) for integers, exact by summation for small x and Stirling's series beyond. */
const LOG_FACTORIAL: number[] = [0];
export function logFactorial(x: number): number {
  if (x < 256) {
    for (let i = LOG_FACTORIAL.length; i <= x; i++) LOG_FACTORIAL[i] = LOG_FACTORIAL[i - 1]! + Math.log(i);
    return LOG_FACTORIAL[x]!;
  }
  const n = x + 1;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** P(X = x) for X ~ Poisson(λ), x = 0 .. xMax. */
export function poissonPmf(lambda: number, xMax: number): Float64Array {
  const p = new Float64Array(Math.max(0, xMax + 1));
  if (lambda <= 0) {
    if (xMax >= 0) p[0] = 1;
    return p;
  }
  const logLambda = Math.log(lambda);
  for (let x = 0; x <= xMax; x++) p[x] = Math.exp(-lambda + x * logLambda - logFactorial(x));
  return p;
}

/**
 * One window: the state distribution `from` (length J) under Poisson(λ) counts, into `to`;
 * returns the probability mass that alarmed (reached J or more).
 */
export function stepDistribution(from: Float64Array, to: Float64Array, lambda: number, m: number, K: number): number {
  const J = from.length;
  to.fill(0);
  // The largest count that can leave any state below J: j + m·x - K <= J - 1 with j >= 0.
  const xMax = Math.floor((J - 1 + K) / m);
  const pmf = poissonPmf(lambda, xMax);
  let kept = 0;
  let total = 0;
  for (let j = 0; j < J; j++) {
    const mass = from[j]!;
    if (mass === 0) continue;
    total += mass;
    for (let x = 0; x <= xMax; x++) {
      const target = j + m * x - K;
      if (target >= J) break;
      const p = mass * pmf[x]!;
      to[target < 0 ? 0 : target]! += p;
      kept += p;
    }
  }
  return Math.max(0, total - kept);
}

/** ARL from S = 0 of the CUSUM (K, J on lattice m) when counts are Poisson(λ): solves (I - Q) L = 1. */
export function averageRunLength(lambda: number, m: number, K: number, J: number): number {
  const xMax = Math.floor((J - 1 + K) / m);
  const pmf = poissonPmf(lambda, xMax);
  // A = I - Q, dense J x J, row-major; b = 1.
  const A = new Float64Array(J * J);
  const b = new Float64Array(J).fill(1);
  for (let i = 0; i < J; i++) {
    A[i * J + i] = 1;
    for (let x = 0; x <= xMax; x++) {
      const target = i + m * x - K;
      if (target >= J) break;
      A[i * J + (target < 0 ? 0 : target)]! -= pmf[x]!;
    }
  }
  // Gaussian elimination without pivoting: I - Q of a substochastic Q is diagonally dominant.
  for (let c = 0; c < J; c++) {
    const pivot = A[c * J + c]!;
    for (let r = c + 1; r < J; r++) {
      const f = A[r * J + c]! / pivot;
      if (f === 0) continue;
      for (let k = c; k < J; k++) A[r * J + k]! -= f * A[c * J + k]!;
      b[r]! -= f * b[c]!;
    }
  }
  for (let r = J - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < J; k++) s -= A[r * J + k]! * b[k]!;
    b[r] = s / A[r * J + r]!;
  }
  // The system's condition grows with the ARL; beyond 1e12 windows (32,000 years of minutes) the
  // digits are gone, and all a caller needs to know is that it is far above any target.
  const arl = b[0]!;
  return Number.isFinite(arl) && arl > 0 && arl < 1e12 ? arl : Infinity;
}

/** States the threshold search aims for: enough resolution, a linear solve of about a millisecond. */
const TARGET_STATES = 80;

/**
 * The CUSUM for a step from λ0 to ratio·λ0 with ARL0 >= arl0Windows at λ0: reference value on the
 * lattice, smallest threshold that reaches the ARL0.
 */
export function designCusum(lambda0: number, ratio: number, arl0Windows: number, states = TARGET_STATES): CusumDesign {
  if (!(lambda0 > 0)) throw new RangeError(`normal rate must be > 0, got ${lambda0}`);
  if (!(ratio > 1)) throw new RangeError(`design ratio must be > 1, got ${ratio}`);
  const k = (lambda0 * (ratio - 1)) / Math.log(ratio);
  // Lorden: an LLR threshold of ln(ARL0) is enough, i.e. H <= ln(ARL0) / ln ρ counts.
  const hEstimate = Math.log(arl0Windows) / Math.log(ratio);
  // The lattice: about `states` steps below the threshold, and of those step sizes 1/m the one that
  // puts k = K/m closest to the design's reference value (always above λ0, or the CUSUM would drift up).
  const m0 = Math.max(1, Math.round(states / Math.max(hEstimate, 1e-9)));
  let m = m0;
  let K = Math.max(1, Math.floor(lambda0 * m0) + 1, Math.round(k * m0));
  for (let candidate = m0 + 1; candidate <= 3 * m0; candidate++) {
    const c = Math.max(1, Math.floor(lambda0 * candidate) + 1, Math.round(k * candidate));
    if (Math.abs(c / candidate - k) < Math.abs(K / m - k)) {
      m = candidate;
      K = c;
    }
  }
  // Bisection for the smallest J with ARL0(J) >= target (ARL0 grows with J), from a bracket
  // around Lorden's bound; widened when the lattice's rounding of k moved the answer out of it.
  let hi = Math.max(1, Math.ceil(hEstimate * m));
  let arlHi = averageRunLength(lambda0, m, K, hi);
  while (arlHi < arl0Windows) {
    hi *= 2;
    if (hi > states * 64) throw new RangeError(`no threshold reaches ARL0 ${arl0Windows} (λ0 ${lambda0}, ratio ${ratio})`);
    arlHi = averageRunLength(lambda0, m, K, hi);
  }
  let lo = Math.floor(hi * 0.4);
  while (lo > 0 && averageRunLength(lambda0, m, K, lo) >= arl0Windows) lo = Math.floor(lo / 2);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const arl = averageRunLength(lambda0, m, K, mid);
    if (arl >= arl0Windows) {
      hi = mid;
      arlHi = arl;
    } else lo = mid;
  }
  return { m, K, J: hi, ratio, arl0: arlHi };
}

export interface AlarmDistribution {
  /** P(first alarm in window i after the onset window 0), for i < rates.length. */
  alarmAt: Float64Array;
  /** P(an alarm at all within the rates given). */
  pDetect: number;
}

/** Distribution of the first alarm when window i's count is Poisson(rates[i]), from S = 0. */
export function alarmDistribution(design: CusumDesign, rates: ArrayLike<number>): AlarmDistribution {
  let from = new Float64Array(design.J);
  let to = new Float64Array(design.J);
  from[0] = 1;
  const alarmAt = new Float64Array(rates.length);
  let pDetect = 0;
  for (let i = 0; i < rates.length; i++) {
    alarmAt[i] = stepDistribution(from, to, rates[i]!, design.m, design.K);
    pDetect += alarmAt[i]!;
    [from, to] = [to, from];
    if (1 - pDetect < 1e-12) break;
  }
  return { alarmAt, pDetect: Math.min(1, pDetect) };
}

export interface OracleDelay {
  /** Expected delay in windows from the onset to the end of the alarm window, given an alarm within the horizon. */
  meanWindows: number | undefined;
  /** Median delay in windows (the window whose end the alarm falls by with probability >= 1/2), if P(detect) >= 1/2. */
  medianWindows: number | undefined;
  /** E[min(delay, horizon)] in windows: what the design choice minimises (a miss counts as the whole horizon). */
  censoredMeanWindows: number;
  pDetect: number;
  design: CusumDesign;
}

/**
 * Delay summaries for one design on one rate path. Window i (0-based from the onset window) ends
 * i + 1 windows after the onset window starts; `onsetOffset` (0 .. 1) is where in window 0 the
 * onset falls, so a delay in windows is i + 1 - onsetOffset.
 */
export function delayOf(design: CusumDesign, rates: ArrayLike<number>, onsetOffset = 0): OracleDelay {
  const { alarmAt, pDetect } = alarmDistribution(design, rates);
  const n = rates.length;
  let sum = 0;
  let censored = 0;
  let cumulative = 0;
  let median: number | undefined;
  for (let i = 0; i < n; i++) {
    const delay = i + 1 - onsetOffset;
    sum += alarmAt[i]! * delay;
    cumulative += alarmAt[i]!;
    if (median === undefined && cumulative >= 0.5) median = delay;
  }
  censored = sum + (1 - pDetect) * (n - onsetOffset);
  return { meanWindows: pDetect > 0 ? sum / pDetect : undefined, medianWindows: median, censoredMeanWindows: censored, pDetect, design };
}

/** Design ratios tried: from a 10% rise up to the path's largest ratio (and at least 2). */
export function designRatios(lambda0: number, rates: ArrayLike<number>, steps = 10): number[] {
  let peak = 0;
  for (let i = 0; i < rates.length; i++) peak = Math.max(peak, rates[i]!);
  const top = Math.max(2, peak / lambda0);
  const lo = Math.log(1.1);
  const hi = Math.log(top);
  return Array.from({ length: steps }, (_, i) => Math.exp(lo + ((hi - lo) * i) / (steps - 1)));
}

/**
 * The oracle: over the design grid, the CUSUM with the smallest E[min(delay, horizon)] on this
 * rate path (ties: the first, the smallest ratio).
 */
export function oracleDelay(lambda0: number, rates: ArrayLike<number>, arl0Windows: number, onsetOffset = 0): OracleDelay {
  let best: OracleDelay | undefined;
  for (const ratio of designRatios(lambda0, rates)) {
    const d = delayOf(designCusum(lambda0, ratio, arl0Windows), rates, onsetOffset);
    if (best === undefined || d.censoredMeanWindows < best.censoredMeanWindows - 1e-12) best = d;
  }
  return best!;
}
