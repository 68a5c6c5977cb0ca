/** A value axis from 0 to a round number, with evenly spaced round ticks. */
export interface ValueScale {
  max: number;
  ticks: number[];
}

const NICE_STEPS = [1, 2, 2.5, 5, 10] as const;

/**
 * 0..max with about `tickCount` intervals on steps of 1, 2, 2.5 or 5 times a power of ten, and a
 * little headroom above `maxValue`. Counts never get fractional ticks.
 */
export function niceScale(maxValue: number, tickCount = 4, headroom = 0.08): ValueScale {
  const target = Math.max(Number.isFinite(maxValue) ? maxValue : 0, 0) * (1 + headroom);
  const raw = Math.max(target, tickCount) / tickCount;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = power;
  for (const m of NICE_STEPS) {
    step = m * power;
    if (step >= raw) break;
  }
  if (step < 1) step = 1;
  if (!Number.isInteger(step)) step = Math.ceil(step);
  const intervals = Math.max(1, Math.ceil(target / step));
  const ticks: number[] = [];
  for (let i = 0; i <= intervals; i++) ticks.push(i * step);
  return { max: intervals * step, ticks };
}

/** 1234567 -> "1,234,567"; fixed to English grouping so that every machine prints the same. */
export function formatCount(n: number): string {
  const rounded = Math.round(n);
  const sign = rounded < 0 ? '-' : '';
  return sign + String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 1234 -> "1.2k", 2500000 -> "2.5M": compact labels for axes. */
export function formatCompact(n: number): string {
  const a = Math.abs(n);
  const trim = (x: number) => (Math.round(x * 10) / 10).toString();
  if (a >= 1_000_000) return `${trim(n / 1_000_000)}M`;
  if (a >= 10_000) return `${Math.round(n / 1000)}k`;
  if (a >= 1000) return `${trim(n / 1000)}k`;
  return String(Math.round(n));
}
