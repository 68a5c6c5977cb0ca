import { describe, expect, it } from 'vitest';
import type { IncidentSummary } from '../../../../schemas/api/index';
import type { IncidentService } from '../../../../schemas/events/index';
import { prepareIncidentList } from './incident-list';

const MIN = 60_000;
const T = Date.UTC(2021, 9, 4, 15, 40);
const names: Record<string, string> = { facebook: 'Facebook', whatsapp: 'WhatsApp', twitter: 'X (Twitter)', signal: 'Signal' };
const nameOf = (id: string) => names[id] ?? id;
const svc = (serviceId: string, role: IncidentService['role'], peakCount: number, danger: boolean): IncidentService => ({
  serviceId,
  role,
  level: 'ok',
  peakScore: 0.9,
  peakCount,
  firstWarningAt: T,
  ...(danger ? { firstDangerAt: T + MIN } : {}),
});
const inc = (id: string, startedAt: number, resolvedAt: number | null, services: IncidentService[], family: string | null = null): IncidentSummary => ({
  incidentId: id,
  status: resolvedAt === null ? 'open' : 'resolved',
  level: resolvedAt === null ? 'warning' : 'ok',
  startedAt,
  resolvedAt,
  lastEventAt: resolvedAt ?? startedAt + 5 * MIN,
  family,
  provider: family,
  services,
  summary: 'machine text',
});

describe('prepareIncidentList', () => {
  const list = [
    inc('inc-meta', T, T + 430 * MIN, [svc('whatsapp', 'primary', 50, true), svc('facebook', 'primary', 90, true), svc('twitter', 'collateral', 9, false)], 'meta'),
    inc('inc-signal', T + 600 * MIN, null, [svc('signal', 'primary', 4, false)]),
    inc('inc-old', T - 3000 * MIN, T - 2900 * MIN, [svc('twitter', 'primary', 20, true)]),
  ];
  it('puts open incidents first, then the newest, with headline, worst level, services and duration', () => {
    const rows = prepareIncidentList(list, T + 640 * MIN, nameOf);
    expect(rows.map((r) => r.incidentId)).toEqual(['inc-signal', 'inc-meta', 'inc-old']);
    expect(rows[1]).toEqual({
      incidentId: 'inc-meta',
      headline: 'Meta: Facebook and WhatsApp down',
      level: 'danger',
      ongoing: false,
      startedAt: T,
      endedAt: T + 430 * MIN,
      durationMs: 430 * MIN,
      services: ['Facebook', 'WhatsApp'],
      collateral: 1,
      affected: '2 services down, 1 collateral',
    });
    expect(rows[0]).toMatchObject({ headline: 'Possible problems with Signal', level: 'warning', ongoing: true, durationMs: 40 * MIN });
  });
  it('keeps at most `limit` rows', () => {
    expect(prepareIncidentList(list, T, nameOf, 2).map((r) => r.incidentId)).toEqual(['inc-signal', 'inc-meta']);
    expect(prepareIncidentList([], T, nameOf)).toEqual([]);
  });
});
