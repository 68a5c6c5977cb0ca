/**
 * Retry timing: exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"): the n-th retry waits a uniform random time in [0, min(max, base * 2^(n-1))].
 * Full jitter spreads the retries of many notifiers hitting one recovering receiver.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** The delay before the next attempt, after `attemptsMade` failed attempts (1 = after the first). */
export function backoffDelay(attemptsMade: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attemptsMade, policy));
}

/** The upper bound of the jittered delay after `attemptsMade` failures. */
export function backoffCeiling(attemptsMade: number, policy: BackoffPolicy): number {
  const n = Math.max(1, attemptsMade);
  // 2^n overflows to Infinity long after it passed any sane max; Math.min handles that.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
}

/**
 * A Retry-After header in milliseconds from now: either delta-seconds ("120") or an HTTP date.
 * Undefined when absent or unparsable; never negative. Capped at one day so a hostile value
 * cannot park a delivery forever (the retry horizon decides what happens then).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(0, ms), 86_400_000);
}

/**
 * When to try again after a retriable failure, or undefined when the delivery should be given up:
 * the attempts are used up, or the next try would fall beyond the retry horizon.
 */
export function nextAttemptAt(opts: {
  attemptsMade: number;
  firstAttemptAt: number;
  now: number;
  retryAfterMs?: number | undefined;
  policy: BackoffPolicy & { maxAttempts: number; horizonMs: number };
  random?: () => number;
}): number | undefined {
  const { attemptsMade, firstAttemptAt, now, policy } = opts;
  if (attemptsMade >= policy.maxAttempts) return undefined;
  const delay = Math.max(backoffDelay(attemptsMade, policy, opts.random), opts.retryAfterMs ?? 0);
  const at = now + delay;
  if (at > firstAttemptAt + policy.horizonMs) return undefined;
  return at;
}
