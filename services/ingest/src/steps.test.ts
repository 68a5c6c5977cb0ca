import { describe, expect, it } from 'vitest';
import { checkTime, derivedReportId, toPostEvent, toReportEvent, type ReportContext } from './steps';

const NOW = Date.UTC(2021, 9, 4, 15, 45);
const ctx: ReportContext = {
  now: NOW,
  services: { problemsOf: (id) => (id === 'whatsapp' ? ['app', 'server_connection', 'messaging'] : undefined) },
  hashReporter: (id) => `h(${id})`,
  source: 'web',
};

describe('toReportEvent', () => {
  it('turns a valid report into an event with the reporter hashed and the time defaulted to now', () => {
    const r = toReportEvent({ serviceId: 'whatsapp', problem: 'messaging', reporterId: 'alice', country: 'GB' }, ctx);
    expect(r).toEqual({
      ok: true,
      value: {
        id: derivedReportId({ serviceId: 'whatsapp', problem: 'messaging', reporterId: 'alice', country: 'GB' }, NOW),
        serviceId: 'whatsapp',
        problem: 'messaging',
        at: NOW,
        receivedAt: NOW,
        reporterHash: 'h(alice)',
        source: 'web',
        country: 'GB',
      },
    });
  });
  it('keeps a client id, so the same report sent twice has one id', () => {
    const a = toReportEvent({ id: 'abc', serviceId: 'whatsapp', problem: 'app', reporterId: 'x' }, ctx);
    expect(a.ok && a.value.id).toBe('abc');
  });
  it('derives the same id for the same report without id', () => {
    const input = { serviceId: 'whatsapp', problem: 'app' as const, reporterId: 'x', at: NOW - 1000 };
    const a = toReportEvent(input, ctx);
    const b = toReportEvent(input, { ...ctx, now: NOW + 5000 });
    expect(a.ok && b.ok && a.value.id === b.value.id).toBe(true);
  });
  it('refuses an unknown service, naming the field', () => {
    expect(toReportEvent({ serviceId: 'myspace', problem: 'app', reporterId: 'x' }, ctx)).toMatchObject({ ok: false, code: 'UNKNOWN_SERVICE', field: 'serviceId' });
  });
  it('refuses a problem the service does not offer, but always accepts other', () => {
    expect(toReportEvent({ serviceId: 'whatsapp', problem: 'website', reporterId: 'x' }, ctx)).toMatchObject({ ok: false, code: 'UNKNOWN_PROBLEM', field: 'problem' });
    expect(toReportEvent({ serviceId: 'whatsapp', problem: 'other', reporterId: 'x' }, ctx)).toMatchObject({ ok: true });
  });
  it('refuses control characters in text', () => {
    expect(toReportEvent({ serviceId: 'whatsapp', problem: 'app', reporterId: 'x', text: 'a\u0000b' }, ctx)).toMatchObject({ ok: false, field: 'text' });
  });
});

describe('checkTime', () => {
  it('accepts up to 5 minutes ahead and 7 days back', () => {
    expect(checkTime(NOW + 5 * 60_000, NOW, 'at')).toEqual({ ok: true, value: NOW + 5 * 60_000 });
    expect(checkTime(NOW - 7 * 86_400_000, NOW, 'at')).toEqual({ ok: true, value: NOW - 7 * 86_400_000 });
  });
  it('refuses beyond those bounds with a reason', () => {
    expect(checkTime(NOW + 5 * 60_000 + 1, NOW, 'at')).toMatchObject({ ok: false, code: 'TIME_IN_FUTURE', field: 'at' });
    expect(checkTime(NOW - 7 * 86_400_000 - 1, NOW, 'at')).toMatchObject({ ok: false, code: 'TIME_TOO_OLD', field: 'at' });
  });
});

describe('toPostEvent', () => {
  it('stamps receivedAt and checks the time', () => {
    expect(toPostEvent({ id: 'p1', at: NOW, text: 'x', source: 'twitter', authorHash: 'a' }, NOW + 1)).toEqual({
      ok: true,
      value: { id: 'p1', at: NOW, text: 'x', source: 'twitter', authorHash: 'a', receivedAt: NOW + 1 },
    });
    expect(toPostEvent({ id: 'p1', at: NOW + 3_600_000, text: 'x', source: 'twitter', authorHash: 'a' }, NOW)).toMatchObject({ ok: false, code: 'TIME_IN_FUTURE' });
  });
});

describe('historical replays', () => {
  it('lift only the 7-day lower bound', () => {
    const old = Date.UTC(2021, 9, 4, 15, 44);
    const now = Date.UTC(2026, 10, 25);
    expect(checkTime(old, now, 'at', true)).toEqual({ ok: true, value: old });
    expect(checkTime(old, now, 'at', false)).toMatchObject({ ok: false, code: 'TIME_TOO_OLD' });
    expect(checkTime(now + 3_600_000, now, 'at', true)).toMatchObject({ ok: false, code: 'TIME_IN_FUTURE' });
  });
});
