/**
 * The outage drills' check of a connector's reconnects, read from its own log lines (each says
 * the attempt, failed connections in a row, and the delay it drew: backoff.ts), not from a race
 * against the clock: the step doubles from initialMs to maxMs, each delay lies between half the step
 * and the step, the delays grow while the step doubles, they are not a fixed fraction of their
 * steps (jitter), and they were slept (their sum, but the last, fits in the time the source was
 * down: a connector that logged delays but retried at once would log far more of them).
 */
import { expect } from 'vitest';
import type { BackoffOptions } from '../backoff';

export interface ReconnectLine {
  attempt: number;
  delayMs: number;
}

/** The reconnect lines with `msg` among pino JSON lines (those that match `where` too). */
export function reconnectLines(lines: readonly string[], msg: string, where: (line: Record<string, unknown>) => boolean = () => true): ReconnectLine[] {
  return lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg && where(l))
    .map((l) => ({ attempt: l.attempt as number, delayMs: l.delayMs as number }));
}

export function expectBackoffWithJitter(attempts: readonly ReconnectLine[], backoff: BackoffOptions, downForMs: number): void {
  expect(attempts.length).toBeGreaterThanOrEqual(4);
  expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i));
  const step = (attempt: number) => Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
  for (const a of attempts) {
    expect(a.delayMs).toBeGreaterThanOrEqual(step(a.attempt) / 2);
    expect(a.delayMs).toBeLessThanOrEqual(step(a.attempt));
  }
  for (let i = 1; i < attempts.length && step(i) === 2 * step(i - 1); i++) expect(attempts[i]!.delayMs).toBeGreaterThanOrEqual(attempts[i - 1]!.delayMs);
  expect(attempts[3]!.delayMs).toBeGreaterThan(attempts[0]!.delayMs * 2);
  expect(new Set(attempts.map((a) => (a.delayMs / step(a.attempt)).toFixed(3))).size).toBeGreaterThan(1);
  expect(attempts.slice(0, -1).reduce((sum, a) => sum + a.delayMs, 0)).toBeLessThanOrEqual(downForMs + 50);
}
