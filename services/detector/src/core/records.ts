/**
 * Novelty relative to the whole history of a series: is this value outside the range of every
 * value the series has had (a record)?
 *
 * Under exchangeability (the null that the series' values are draws of one distribution, in any
 * order) the (n+1)-th value is the highest of all with probability 1 / (n + 1) and the highest
 * or the lowest with 2 / (n + 1), whatever that distribution. So a record carries log10 of the
 * inverse of that chance in decades of evidence, with no noise model behind it: the novelty that
 * the published detectors which model a series' whole history reward (HTM, CAD OSE, ARTime), and
 * that a residual against a local prediction does not carry. A heavy-tailed series has larger
 * residuals every day than the window in which it first leaves the range it has ever had; that
 * window is the new thing.
 *
 * `withRecordLog10` joins it to the (calibrated) evidence of the residual: the statistic is the
 * sum of the two, and its tail under the null is computed exactly (below).
 */

export type RecordSides = 'up' | 'both';

export interface RecordRangeState {
  seen: number;
  lowest: number | null;
  highest: number | null;
}

export class RecordRange {
  private seen = 0;
  private lowest = Infinity;
  private highest = -Infinity;

  constructor(private readonly sides: RecordSides) {}

  /** Values shown so far. */
  get history(): number {
    return this.seen;
  }

  /** The probability that the next value is a record: 1 / (n + 1) one-sided, 2 / (n + 1) both, at most 1. */
  get chance(): number {
    return Math.min(1, (this.sides === 'both' ? 2 : 1) / (this.seen + 1));
  }

  /** Decades of novelty of a value (call before `observe` shows it): -log10(chance) for a record, else 0 (a valid p-value of 1). */
  log10(value: number): number {
    if (this.seen < 1) return 0;
    const record = value > this.highest || (this.sides === 'both' && value < this.lowest);
    return record ? -Math.log10(this.chance) : 0;
  }

  observe(value: number): void {
    this.seen++;
    if (value < this.lowest) this.lowest = value;
    if (value > this.highest) this.highest = value;
  }

  toJSON(): RecordRangeState {
    return { seen: this.seen, lowest: Number.isFinite(this.lowest) ? this.lowest : null, highest: Number.isFinite(this.highest) ? this.highest : null };
  }

  restore(s: RecordRangeState): void {
    this.seen = s.seen;
    this.lowest = s.lowest ?? Infinity;
    this.highest = s.highest ?? -Infinity;
  }
}

/**
 * Evidence (decades) of a residual's evidence `residualLog10` and a window's record evidence
 * `recordLog10` (0, or -log10 q for a record of chance q) together. The statistic is their sum T;
 * under the null the residual's evidence is calibrated (P(E >= x) = 10^-x) and independent of
 * whether the value is a record, so for T > 0
 *   P(sum >= T) = (1 - q) P(E >= T) + q P(E >= T + log10 q) = (1 - q) min(1, 10^-T) + min(q, 10^-T).
 * A record adds its decades less at most log10 2; a window that is no record pays at most log10 2
 * for the second look, as the scan's spans pay log10 of their number.
 */
export function withRecordLog10(residualLog10: number, recordLog10: number, recordChance: number): number {
  const t = (residualLog10 > 0 ? residualLog10 : 0) + recordLog10;
  if (!(t > 0)) return 0;
  const q = recordChance;
  // P(sum >= T) x 10^T: (1 - q) + min(q 10^T, 1).
  const factor = t + Math.log10(q) >= 0 ? 2 - q : 1 - q + q * Math.pow(10, t);
  const e = t - Math.log10(factor);
  return e > 0 ? e : 0;
}
