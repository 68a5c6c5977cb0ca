/**
 * What a connector says when its source cannot be reached. Without internet (the demo's machine, a
 * firewalled host) every reconnect and every poll fails; one warning per attempt would bury the
 * other services' output, so each kind of failure is logged at once the first time, then at most
 * once per `repeatMs` with the number of repeats in between, and once more when the source is
 * reachable again. The same state is the connector's health in the sources' /readyz.
 */
import type { Logger } from '@downradar/common';

/** Decides which of a run of repeated events is logged: the first, then one per interval. Pure. */
export class RepeatLimiter {
  private readonly last = new Map<string, { at: number; repeats: number }>();

  constructor(private readonly intervalMs: number) {}

  /** Undefined: stay silent. Otherwise log, saying how many repeats were left out since the last line. */
  pass(key: string, now: number): { repeats: number } | undefined {
    const seen = this.last.get(key);
    if (seen === undefined || now - seen.at >= this.intervalMs) {
      this.last.set(key, { at: now, repeats: 0 });
      return { repeats: seen?.repeats ?? 0 };
    }
    seen.repeats++;
    return undefined;
  }

  /** The condition cleared: the next occurrence is logged at once. */
  clear(): void {
    this.last.clear();
  }
}

const UNREACHABLE = /ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|ETIMEDOUT|ECONNRESET|timed? ?out|fetch failed/i;

/** A hint for people when an error says the host could not be reached at all. */
export function unreachableHint(err: string): string | undefined {
  return UNREACHABLE.test(err) ? 'cannot reach it: no internet or DNS from this host? The source retries with backoff; the rest of downradar runs without it' : undefined;
}

export interface SourceHealth {
  /** False while the last attempt to reach the source failed. */
  ok: boolean;
  /** When the current run of failures began (ISO), null when ok. */
  failingSince: string | null;
  /** Failed attempts in the current run. */
  failures: number;
  lastError: string | null;
  hint: string | null;
}

export class FailureReport {
  private readonly limiter: RepeatLimiter;
  private failingSince: number | undefined;
  private failures = 0;
  private lastError: string | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly repeatMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.limiter = new RepeatLimiter(repeatMs);
  }

  /** One failed attempt; `key` groups the failures summarised together (an endpoint, a host, a kind). */
  fail(key: string, err: string, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    this.failingSince ??= now;
    this.failures++;
    this.lastError = err;
    const pass = this.limiter.pass(key, now);
    if (pass === undefined) return;
    const hint = unreachableHint(err);
    this.logger.warn(
      { ...fields, err, ...(hint ? { hint } : {}), failures: this.failures, ...(pass.repeats > 0 ? { repeatsNotLogged: pass.repeats } : {}), nextReportInS: Math.round(this.repeatMs / 1000) },
      message,
    );
  }

  /** The source answered: says so once if it had been failing. */
  ok(message: string, fields: Record<string, unknown> = {}): void {
    if (this.failingSince !== undefined) {
      this.logger.info({ ...fields, failures: this.failures, failingForS: Math.round((this.now() - this.failingSince) / 1000) }, message);
    }
    this.failingSince = undefined;
    this.failures = 0;
    this.lastError = undefined;
    this.limiter.clear();
  }

  health(): SourceHealth {
    return {
      ok: this.failingSince === undefined,
      failingSince: this.failingSince === undefined ? null : new Date(this.failingSince).toISOString(),
      failures: this.failures,
      lastError: this.lastError ?? null,
      hint: this.lastError === undefined ? null : (unreachableHint(this.lastError) ?? null),
    };
  }
}
