import { describe, expect, it } from 'vitest';
import type { Logger } from '@downradar/common';
import { FailureReport, RepeatLimiter, unreachableHint } from './failure-report';

describe('RepeatLimiter', () => {
  it('passes the first of a run, then one per interval with the repeats left out', () => {
    const l = new RepeatLimiter(1000);
    expect(l.pass('a', 0)).toEqual({ repeats: 0 });
    expect(l.pass('a', 10)).toBeUndefined();
    expect(l.pass('a', 999)).toBeUndefined();
    expect(l.pass('b', 500)).toEqual({ repeats: 0 });
    expect(l.pass('a', 1000)).toEqual({ repeats: 2 });
    expect(l.pass('a', 1500)).toBeUndefined();
    l.clear();
    expect(l.pass('a', 1600)).toEqual({ repeats: 0 });
  });
});

describe('unreachableHint', () => {
  it('recognises a host that cannot be reached, and only that', () => {
    expect(unreachableHint('getaddrinfo ENOTFOUND jetstream1.us-east.bsky.network')).toMatch(/no internet/);
    expect(unreachableHint('connect ECONNREFUSED 127.0.0.1:1')).toMatch(/no internet/);
    expect(unreachableHint('HTTP 503')).toBeUndefined();
  });
});

describe('FailureReport', () => {
  function capture() {
    const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      warn: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', fields, msg }),
      info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'info', fields, msg }),
    } as unknown as Logger;
    return { lines, logger };
  }

  it('logs a run of failures once per interval with their count, says when it recovers, and reports health', () => {
    let now = Date.parse('2026-12-06T08:00:00Z');
    const { lines, logger } = capture();
    const r = new FailureReport(logger, 60_000, () => now);
    expect(r.health()).toEqual({ ok: true, failingSince: null, failures: 0, lastError: null, hint: null });
    for (let i = 0; i < 10; i++) {
      r.fail('connect', 'getaddrinfo ENOTFOUND x.example', { endpoint: 'x' }, 'cannot connect');
      now += 10_000;
    }
    // At 0 s and at 60 s: two lines for ten failures, the second counting the five left out.
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn']);
    expect(lines[0]!.fields).toMatchObject({ endpoint: 'x', failures: 1, nextReportInS: 60 });
    expect(lines[0]!.fields.hint).toMatch(/no internet/);
    expect(lines[1]!.fields).toMatchObject({ failures: 7, repeatsNotLogged: 5 });
    expect(r.health()).toMatchObject({ ok: false, failingSince: '2026-12-06T08:00:00.000Z', failures: 10, lastError: 'getaddrinfo ENOTFOUND x.example' });
    r.ok('reachable again');
    expect(lines[2]).toMatchObject({ level: 'info', msg: 'reachable again', fields: { failures: 10, failingForS: 100 } });
    expect(r.health().ok).toBe(true);
    // A success while healthy says nothing; the next failure is logged at once.
    r.ok('reachable again');
    r.fail('connect', 'HTTP 503', {}, 'cannot connect');
    expect(lines.length).toBe(4);
    expect(lines[3]!.fields.hint).toBeUndefined();
  });
});
