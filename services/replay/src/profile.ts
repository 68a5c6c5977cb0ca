/**
 * Normal traffic: a service's weekly shape as a table of 10,080 multipliers, one per UTC minute
 * of the week, built once from the scenario's hour-of-day and day-of-week profile and the
 * audience's time zones. The table has mean 1, so `baselinePerMinute × table[minuteOfWeek]` is
 * the expected normal rate and baselinePerMinute is the weekly mean.
 *
 * Hour and day multipliers are interpolated linearly between their centres, so the rate has no
 * steps at the top of each hour or at midnight: a detector should not learn artefacts of ours.
 * The table's size does not depend on the span replayed, so memory stays flat for any span.
 */

export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 10_080;

/** Minute of the ISO week (Monday 00:00 = 0) in UTC for an epoch minute. 1970-01-01 was a Thursday. */
export function minuteOfWeek(epochMinute: number): number {
  const m = (epochMinute + 3 * MINUTES_PER_DAY) % MINUTES_PER_WEEK;
  return m < 0 ? m + MINUTES_PER_WEEK : m;
}

function cyclicInterp(values: readonly number[], position: number): number {
  const n = values.length;
  const x = position - 0.5;
  const i = Math.floor(x);
  const frac = x - i;
  const a = values[((i % n) + n) % n]!;
  const b = values[(((i + 1) % n) + n) % n]!;
  return a + (b - a) * frac;
}

export interface ProfileInput {
  hourOfDay: readonly number[];
  dayOfWeek: readonly number[];
}

export interface TimezoneInput {
  offsetHours: number;
  weight: number;
}

export function buildWeekTable(profile: ProfileInput, timezones: readonly TimezoneInput[]): Float64Array {
  const table = new Float64Array(MINUTES_PER_WEEK);
  const tzWeight = timezones.reduce((s, t) => s + t.weight, 0);
  if (!(tzWeight > 0)) throw new Error('timezone weights must have a positive sum');
  for (const tz of timezones) {
    if (tz.weight <= 0) continue;
    const shift = Math.round(tz.offsetHours * 60);
    const w = tz.weight / tzWeight;
    for (let u = 0; u < MINUTES_PER_WEEK; u++) {
      let local = (u + shift) % MINUTES_PER_WEEK;
      if (local < 0) local += MINUTES_PER_WEEK;
      const hour = (local % MINUTES_PER_DAY) / 60;
      const day = local / MINUTES_PER_DAY;
      table[u]! += w * cyclicInterp(profile.hourOfDay, hour) * cyclicInterp(profile.dayOfWeek, day);
    }
  }
  let sum = 0;
  for (let u = 0; u < MINUTES_PER_WEEK; u++) sum += table[u]!;
  const mean = sum / MINUTES_PER_WEEK;
  if (mean > 0) for (let u = 0; u < MINUTES_PER_WEEK; u++) table[u]! /= mean;
  return table;
}
