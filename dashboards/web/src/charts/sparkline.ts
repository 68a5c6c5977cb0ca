/**
 * A sparkline as two SVG paths (the line and the area under it) for a series of counts. Counts:
 * a missing or invalid value is 0.
 */
export interface Sparkline {
  width: number;
  height: number;
  /** "M1,23L3.5,20..." */
  line: string;
  /** the line closed down to the bottom edge */
  area: string;
  max: number;
  last: number;
  total: number;
  /** no values, or all zero */
  empty: boolean;
}

export interface SparklineOptions {
  width?: number;
  height?: number;
  /** inner margin so the stroke is not clipped */
  padding?: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function prepareSparkline(values: readonly (number | null | undefined)[], options: SparklineOptions = {}): Sparkline {
  const width = options.width ?? 120;
  const height = options.height ?? 32;
  const pad = options.padding ?? 1;
  const counts = values.map((v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0));
  const max = counts.reduce((m, v) => Math.max(m, v), 0);
  const total = counts.reduce((s, v) => s + v, 0);
  const last = counts[counts.length - 1] ?? 0;
  if (counts.length === 0) return { width, height, line: '', area: '', max: 0, last: 0, total: 0, empty: true };

  const innerW = width - 2 * pad;
  const innerH = height - 2 * pad;
  const bottom = height - pad;
  const xs = counts.length === 1 ? [pad, width - pad] : counts.map((_, i) => pad + (i * innerW) / (counts.length - 1));
  const ys = (counts.length === 1 ? [counts[0]!, counts[0]!] : counts).map((v) => (max > 0 ? bottom - (v / max) * innerH : bottom));
  const coords = xs.map((x, i) => `${round2(x)},${round2(ys[i]!)}`);
  const line = `M${coords.join('L')}`;
  const area = `${line}L${round2(xs[xs.length - 1]!)},${round2(bottom)}L${round2(xs[0]!)},${round2(bottom)}Z`;
  return { width, height, line, area, max, last, total, empty: max === 0 };
}
