/**
 * The shape of an incident as users report it, for one service: nothing before the onset, a ramp
 * to the peak, a plateau, a slow sag (people give up reporting), a half-cosine decay once the fix
 * lands, and optionally a second bump (collateral waves, a relapse). Levels are in [0, 1] of the
 * service's peak (a bump may add more). Times are minutes since the incident start, as floats.
 *
 * Pure arithmetic, evaluated once per minute per incident service: the generator samples it at
 * minute midpoints, and so do the label and expected-count computations, so all three agree.
 */

export interface BumpShape {
  start: number;
  height: number;
  rampMinutes: number;
  plateauMinutes: number;
  decayMinutes: number;
}

export interface EnvelopeShape {
  onset: number;
  rampMinutes: number;
  rampPower: number;
  plateauMinutes: number;
  /** ln(1 - sagPerHour) / 60: the sag as a log-rate per minute (0 = no sag). */
  sagLogPerMinute: number;
  recoveryAt: number;
  decayMinutes: number;
  bump: BumpShape | null;
}

export function sagLogPerMinute(sagPerHour: number): number {
  if (sagPerHour <= 0) return 0;
  if (sagPerHour >= 1) return -Infinity;
  return Math.log(1 - sagPerHour) / 60;
}

/** The level before any recovery: ramp, plateau, sag. */
function rawLevel(s: EnvelopeShape, t: number): number {
  const x = t - s.onset;
  if (x < 0) return 0;
  if (x < s.rampMinutes) {
    const r = x / s.rampMinutes;
    return s.rampPower === 1 ? r : Math.pow(r, s.rampPower);
  }
  const afterPlateau = x - s.rampMinutes - s.plateauMinutes;
  if (afterPlateau <= 0 || s.sagLogPerMinute === 0) return 1;
  return Math.exp(s.sagLogPerMinute * afterPlateau);
}

function halfCosine(x: number, length: number): number {
  if (x <= 0) return 1;
  if (x >= length) return 0;
  return 0.5 * (1 + Math.cos((Math.PI * x) / length));
}

function bumpLevel(b: BumpShape, t: number): number {
  const x = t - b.start;
  if (x < 0) return 0;
  if (x < b.rampMinutes) return (b.height * x) / b.rampMinutes;
  const y = x - b.rampMinutes - b.plateauMinutes;
  if (y <= 0) return b.height;
  return b.height * halfCosine(y, b.decayMinutes);
}

/** Level at t minutes after the incident start. */
export function levelAt(s: EnvelopeShape, t: number): number {
  let level: number;
  if (t < s.onset) level = 0;
  else if (t < s.recoveryAt) level = rawLevel(s, t);
  else if (s.decayMinutes <= 0) level = 0;
  else level = rawLevel(s, s.recoveryAt) * halfCosine(t - s.recoveryAt, s.decayMinutes);
  return s.bump ? level + bumpLevel(s.bump, t) : level;
}

/** [first, last) minutes (since the incident start) where the level can be non-zero. */
export function envelopeSpan(s: EnvelopeShape): { from: number; to: number } {
  let from = s.onset;
  let to = Math.max(s.onset, s.recoveryAt + s.decayMinutes);
  if (s.bump) {
    from = Math.min(from, s.bump.start);
    to = Math.max(to, s.bump.start + s.bump.rampMinutes + s.bump.plateauMinutes + s.bump.decayMinutes);
  }
  return { from: Math.floor(from), to: Math.ceil(to) };
}

/** Sum of the levels at minute midpoints over whole minutes [fromMinute, toMinute) since the start. */
export function sumLevels(s: EnvelopeShape, fromMinute: number, toMinute: number): number {
  let sum = 0;
  for (let m = fromMinute; m < toMinute; m++) sum += levelAt(s, m + 0.5);
  return sum;
}
