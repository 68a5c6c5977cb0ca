import { describe, expect, it } from 'vitest';
import type { IncidentSummary } from '../../../../schemas/api/index';
import type { IncidentService } from '../../../../schemas/events/index';
import { familyName, incidentFacts, incidentHeadline, incidentPeakLevel, listNames, orderServices, serviceProviders } from './incident-story';

const MIN = 60_000;
const T = Date.UTC(2021, 9, 4, 15, 40);
const NAMES: Record<string, string> = { facebook: 'Facebook', whatsapp: 'WhatsApp', instagram: 'Instagram', messenger: 'Messenger', twitter: 'X (Twitter)', telegram: 'Telegram', signal: 'Signal', netflix: 'Netflix', slack: 'Slack', aws: 'Amazon Web Services', att: 'AT&T' };
const nameOf = (id: string) => NAMES[id] ?? id;

const svc = (serviceId: string, role: IncidentService['role'], peakCount: number, extra: Partial<IncidentService> = {}): IncidentService => ({
  serviceId,
  role,
  level: 'ok',
  peakScore: 0.99,
  peakCount,
  ...extra,
});

const meta: IncidentSummary = {
  incidentId: 'inc-meta-202110041540',
  status: 'resolved',
  level: 'ok',
  startedAt: T,
  resolvedAt: T + 430 * MIN,
  lastEventAt: T + 430 * MIN,
  family: 'meta',
  provider: 'meta',
  services: [
    svc('instagram', 'primary', 900, { firstWarningAt: T + 2 * MIN, firstDangerAt: T + 4 * MIN }),
    svc('messenger', 'primary', 300, { firstWarningAt: T + 3 * MIN, firstDangerAt: T + 6 * MIN }),
    svc('facebook', 'primary', 2400, { firstWarningAt: T, firstDangerAt: T + 2 * MIN }),
    svc('telegram', 'collateral', 80, { firstWarningAt: T + 20 * MIN }),
    svc('whatsapp', 'primary', 1800, { firstWarningAt: T + MIN, firstDangerAt: T + 3 * MIN }),
    svc('twitter', 'collateral', 150, { firstWarningAt: T + 15 * MIN, firstDangerAt: T + 30 * MIN }),
  ],
  summary: 'meta: facebook (ok), instagram (ok), messenger (ok), whatsapp (ok); collateral: telegram (ok), twitter (ok); since 2021-10-04 15:40; resolved 2021-10-04 22:50 after 430 min',
};

describe('incidentHeadline', () => {
  it('writes what a person would: the family, its services hardest hit first, "down"', () => {
    expect(incidentHeadline(meta, nameOf)).toBe('Meta: Facebook, WhatsApp, Instagram and Messenger down');
  });
  it('names one service on its own, and says "possible problems" below danger', () => {
    const signal = { ...meta, family: null, provider: null, services: [svc('signal', 'primary', 12, { level: 'warning', firstWarningAt: T })], level: 'warning' as const };
    expect(incidentHeadline(signal, nameOf)).toBe('Possible problems with Signal');
    expect(incidentHeadline({ ...signal, services: [svc('signal', 'primary', 12, { level: 'danger', firstDangerAt: T })] }, nameOf)).toBe('Signal down');
    expect(incidentHeadline({ ...signal, family: 'meta' }, nameOf)).toBe('Meta: possible problems with Signal');
  });
  it('uses the provider when there is no family, and shortens a long list', () => {
    const aws = {
      ...meta,
      family: null,
      provider: 'aws',
      services: ['netflix', 'slack', 'a', 'b', 'c'].map((id, i) => svc(id, 'primary', 100 - i, { firstDangerAt: T })),
    };
    expect(incidentHeadline(aws, nameOf)).toBe('Amazon Web Services: Netflix, Slack, a and 2 more down');
  });
  it('leaves collateral services out of the headline unless there is nothing else', () => {
    expect(incidentHeadline(meta, nameOf)).not.toMatch(/Telegram|Twitter/);
    const onlyCollateral = { ...meta, family: null, provider: null, services: [svc('att', 'collateral', 5, { firstWarningAt: T })] };
    expect(incidentHeadline(onlyCollateral, nameOf)).toBe('Possible problems with AT&T');
    expect(incidentHeadline({ ...meta, services: [] }, nameOf)).toBe('Incident inc-meta-202110041540');
  });
});

describe('incidentPeakLevel', () => {
  it('is the worst level the primary services reached, not the level after resolution', () => {
    expect(meta.level).toBe('ok');
    expect(incidentPeakLevel(meta)).toBe('danger');
    const warned = { level: 'ok' as const, services: [svc('signal', 'primary', 3, { firstWarningAt: T }), svc('att', 'collateral', 9, { firstDangerAt: T })] };
    expect(incidentPeakLevel(warned)).toBe('warning');
    expect(incidentPeakLevel({ level: 'warning', services: [] })).toBe('warning');
  });
});

describe('incidentFacts', () => {
  it('gives start, duration and the services affected', () => {
    expect(incidentFacts(meta, T + 9999 * MIN)).toEqual({
      ongoing: false,
      startedAt: T,
      endedAt: T + 430 * MIN,
      durationMs: 430 * MIN,
      primaries: 4,
      collateral: 2,
      affected: '4 services down, 2 collateral',
    });
  });
  it('lets an open incident run to the moment it is described at, not to the wall clock', () => {
    const open = { ...meta, resolvedAt: null, lastEventAt: T + 60 * MIN };
    expect(incidentFacts(open, T + 90 * MIN)).toMatchObject({ ongoing: true, endedAt: T + 90 * MIN, durationMs: 90 * MIN });
    // Never before its own last event.
    expect(incidentFacts(open, T + 10 * MIN).durationMs).toBe(60 * MIN);
    expect(incidentFacts({ ...open, services: [svc('signal', 'primary', 1, { firstWarningAt: T })], level: 'warning' }, T).affected).toBe('1 service with problems');
  });
});

describe('helpers', () => {
  it('lists names in English', () => {
    expect(listNames([])).toBe('');
    expect(listNames(['A'])).toBe('A');
    expect(listNames(['A', 'B'])).toBe('A and B');
    expect(listNames(['A', 'B', 'C', 'D'])).toBe('A, B, C and D');
    expect(listNames(['A', 'B', 'C', 'D', 'E'])).toBe('A, B, C and 2 more');
  });
  it('orders primaries before collateral, worst level and most reports first', () => {
    expect(orderServices(meta.services, nameOf).map((s) => s.serviceId)).toEqual(['facebook', 'whatsapp', 'instagram', 'messenger', 'twitter', 'telegram']);
  });
  it('names families', () => {
    expect(familyName('meta')).toBe('Meta');
    expect(familyName('openai')).toBe('OpenAI');
    expect(familyName('acme')).toBe('Acme');
  });
  it("takes each service's provider from the catalog, and leaves the column out when none has one", () => {
    const catalog: Record<string, string> = { facebook: 'meta', netflix: 'aws', twitch: 'aws' };
    const providerOf = (id: string) => catalog[id] ?? null;
    const column = serviceProviders([svc('netflix', 'primary', 1), svc('twitch', 'primary', 1), svc('telegram', 'collateral', 1)], providerOf);
    expect(column && [...column]).toEqual([
      ['netflix', 'aws'],
      ['twitch', 'aws'],
      ['telegram', null],
    ]);
    expect(serviceProviders([svc('telegram', 'collateral', 1)], providerOf)).toBeNull();
    expect(serviceProviders([svc('telegram', 'collateral', 1)], () => '')).toBeNull();
  });
});
