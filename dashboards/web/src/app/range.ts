/**
 * The time range of a page: a preset relative to now (6 h, 24 h, 7 d) or an absolute range, kept
 * in the address (?range=24h, or ?from=2021-10-04T15:00:00Z&to=...&step=15) so that any view can
 * be reloaded and shared.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../charts/time';

export const PRESETS = { '6h': 6 * HOUR_MS, '24h': 24 * HOUR_MS, '7d': 7 * DAY_MS } as const;
export type Preset = keyof typeof PRESETS;
export const PRESET_LABELS: Record<Preset, string> = { '6h': '6 h', '24h': '24 h', '7d': '7 d' };

export type RangeSpec = { kind: 'preset'; preset: Preset } | { kind: 'absolute'; from: number; to: number };
export type Step = 1 | 5 | 15;

/** The reference outage: 4 Oct 2021, 15:00 to 23:59 UTC. */
export const OUTAGE_2021_10_04: RangeSpec = { kind: 'absolute', from: Date.UTC(2021, 9, 4, 15, 0), to: Date.UTC(2021, 9, 4, 23, 59) };

/** The API refuses ranges longer than this. */
export const MAX_SPAN_MS = 31 * DAY_MS;

export interface ResolvedRange {
  from: number;
  to: number;
  /** the range reaches the present, so the page refreshes itself */
  live: boolean;
}

export function resolveRange(spec: RangeSpec, now: number): ResolvedRange {
  if (spec.kind === 'preset') {
    const to = Math.ceil(now / MINUTE_MS) * MINUTE_MS;
    return { from: to - PRESETS[spec.preset], to, live: true };
  }
  return { from: spec.from, to: spec.to, live: spec.to >= now - 15 * MINUTE_MS };
}

/** Steps that keep a curve at 2,016 points or fewer (1 min up to a day, 5 min up to a week). */
export function allowedSteps(spanMs: number): Step[] {
  const steps: Step[] = [15];
  if (spanMs <= 7 * DAY_MS) steps.unshift(5);
  if (spanMs <= DAY_MS) steps.unshift(1);
  return steps;
}

export function clampStep(step: Step, spanMs: number): Step {
  return allowedSteps(spanMs).includes(step) ? step : 15;
}

function parseInstant(v: string | null): number | null {
  if (!v) return null;
  if (/^\d{1,16}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

export interface RangeQuery {
  spec: RangeSpec;
  step: Step;
  /** what was wrong with the address, if anything (the default range is used instead) */
  problem: string | null;
}

export function parseRangeQuery(search: string, fallback: Preset = '24h'): RangeQuery {
  const q = new URLSearchParams(search);
  const stepRaw = Number(q.get('step'));
  let step: Step = stepRaw === 1 || stepRaw === 5 || stepRaw === 15 ? stepRaw : 15;
  const preset = q.get('range');
  const fromRaw = q.get('from');
  const toRaw = q.get('to');
  let spec: RangeSpec = { kind: 'preset', preset: fallback };
  let problem: string | null = null;
  if (fromRaw !== null || toRaw !== null) {
    const from = parseInstant(fromRaw);
    const to = parseInstant(toRaw);
    if (from === null || to === null) problem = 'The range in the address is not a pair of times (from, to).';
    else if (!(to > from)) problem = 'The range in the address ends before it starts.';
    else if (to - from > MAX_SPAN_MS) problem = 'The range in the address is longer than 31 days.';
    else spec = { kind: 'absolute', from, to };
  } else if (preset !== null) {
    if (preset in PRESETS) spec = { kind: 'preset', preset: preset as Preset };
    else problem = `Unknown range "${preset}".`;
  }
  const span = spec.kind === 'preset' ? PRESETS[spec.preset] : spec.to - spec.from;
  step = clampStep(step, span);
  return { spec, step, problem };
}

/** "?from=2021-10-04T15:00:00Z&to=2021-10-04T23:59:00Z&step=15", or "?range=6h". */
export function rangeToQuery(spec: RangeSpec, step: Step): string {
  const q = new URLSearchParams();
  if (spec.kind === 'preset') q.set('range', spec.preset);
  else {
    q.set('from', new Date(spec.from).toISOString().replace('.000Z', 'Z'));
    q.set('to', new Date(spec.to).toISOString().replace('.000Z', 'Z'));
  }
  if (step !== 15) q.set('step', String(step));
  return `?${q.toString()}`;
}

export function sameSpec(a: RangeSpec, b: RangeSpec): boolean {
  if (a.kind === 'preset' || b.kind === 'preset') return a.kind === b.kind && a.kind === 'preset' && b.kind === 'preset' && a.preset === b.preset;
  return a.from === b.from && a.to === b.to;
}
