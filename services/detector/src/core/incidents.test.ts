import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { IncidentEvent, type Level, type ScoreEvent } from '../../../../schemas/events/index';
import { DEFAULT_DETECTOR_CONFIG } from './config';
import { scoreFromEvidence } from './evidence';
import { serviceInfoFrom, type ServiceInfo } from './facts';
import { fisherEvidence, IncidentManager, incidentManagerOptions } from './incidents';
import { SAMPLE_CATALOG } from '../testing/simulate';

const W = 60_000;
const T0 = Date.UTC(2021, 9, 4, 15, 40);

const TEST_CATALOG = SAMPLE_CATALOG;

const ALL = TEST_CATALOG.map((s) => s.id);

function manager() {
  return new IncidentManager(incidentManagerOptions(DEFAULT_DETECTOR_CONFIG, serviceInfoFrom(TEST_CATALOG)));
}

function score(serviceId: string, windowStart: number, level: Level, count = level === 'ok' ? 2 : level === 'warning' ? 40 : 400): ScoreEvent {
  const s = level === 'ok' ? 0.05 : level === 'warning' ? 0.9 : 1;
  return {
    serviceId,
    windowStart,
    windowEnd: windowStart + W,
    count,
    rawCount: count,
    expected: 2,
    upper: 8,
    score: s,
    level,
    evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] },
    computedAt: windowStart + W + 1000,
  };
}

/** Drives windows i = 0.. with the levels given per window (services not named are ok). */
function drive(m: IncidentManager, windows: Record<string, Level>[], from = 0): IncidentEvent[] {
  const out: IncidentEvent[] = [];
  windows.forEach((levels, k) => {
    const ws = T0 + (from + k) * W;
    out.push(...m.processWindow(ws, ws + W, ALL.map((id) => score(id, ws, levels[id] ?? 'ok')), ws + W + 500));
  });
  return out;
}

const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

describe('IncidentManager', () => {
  it('groups a family into one incident with a stable id; refugees and telecom are collateral', () => {
    const m = manager();
    const events = drive(m, [
      {},
      { facebook: 'warning' },
      { facebook: 'danger', instagram: 'warning', whatsapp: 'warning' },
      { facebook: 'danger', instagram: 'danger', whatsapp: 'danger', messenger: 'warning', twitter: 'warning' },
      { facebook: 'danger', instagram: 'danger', whatsapp: 'danger', messenger: 'danger', twitter: 'warning', 'vodafone-ie': 'warning' },
      ...repeat(3, { facebook: 'danger', instagram: 'danger', whatsapp: 'danger', messenger: 'danger', twitter: 'warning', 'vodafone-ie': 'warning' } as Record<string, Level>),
    ]);
    for (const e of events) expect(Value.Check(IncidentEvent, e)).toBe(true);
    const ids = new Set(events.map((e) => e.incidentId));
    expect(ids).toEqual(new Set(['inc-meta-202110041541']));
    expect(events[0]).toMatchObject({ type: 'opened', seq: 1, eventId: 'inc-meta-202110041541:1', family: 'meta', provider: 'meta', level: 'warning', at: T0 + 2 * W });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const last = events.at(-1)!;
    expect(last.level).toBe('danger');
    const roles = Object.fromEntries(last.services.map((s) => [s.serviceId, s.role]));
    expect(roles).toEqual({ facebook: 'primary', instagram: 'primary', whatsapp: 'primary', messenger: 'primary', twitter: 'collateral', 'vodafone-ie': 'collateral' });
    const fb = last.services.find((s) => s.serviceId === 'facebook')!;
    expect(fb.firstWarningAt).toBe(T0 + W);
    expect(fb.firstDangerAt).toBe(T0 + 2 * W);
    expect(last.summary).toContain('collateral: twitter (warning), vodafone-ie (warning)');
    // no event for windows where nothing changed
    expect(events.filter((e) => e.at > T0 + 5 * W)).toEqual([]);
  });

  it('a service that depends on the failing one joins as primary', () => {
    const m = manager();
    const events = drive(m, [{ facebook: 'warning' }, { facebook: 'danger', tinder: 'warning' }]);
    const roles = Object.fromEntries(events.at(-1)!.services.map((s) => [s.serviceId, s.role]));
    expect(roles).toEqual({ facebook: 'primary', tinder: 'primary' });
  });

  it('a provider outage takes the services on it together, even a late one that depends on it', () => {
    const m = manager();
    const events = drive(m, [
      { netflix: 'warning' },
      { netflix: 'danger', slack: 'warning', aws: 'warning' },
      ...repeat(30, { netflix: 'danger', slack: 'danger', aws: 'danger' } as Record<string, Level>),
      { netflix: 'danger', slack: 'danger', aws: 'danger', signal: 'warning' },
    ]);
    expect(new Set(events.map((e) => e.incidentId))).toEqual(new Set(['inc-netflix-202110041540']));
    const last = events.at(-1)!;
    expect(last.provider).toBe('aws');
    expect(last.services.map((s) => [s.serviceId, s.role])).toEqual([
      ['aws', 'primary'],
      ['netflix', 'primary'],
      ['signal', 'primary'],
      ['slack', 'primary'],
    ]);
  });

  it('only shares a provider: joins within the correlation window, later it is its own incident (not collateral)', () => {
    const m = manager();
    const events = drive(m, [
      { netflix: 'warning', slack: 'warning' },
      ...repeat(30, { netflix: 'danger', slack: 'danger' } as Record<string, Level>),
      { netflix: 'danger', slack: 'danger', signal: 'warning' },
    ]);
    expect(new Set(events.map((e) => e.incidentId))).toEqual(new Set(['inc-netflix-202110041540', 'inc-signal-202110041611']));
    expect(events.at(-1)!.services).toEqual([expect.objectContaining({ serviceId: 'signal', role: 'primary' })]);
  });

  it('an ISP spike with no big incident open is its own incident', () => {
    const m = manager();
    const events = drive(m, [{ 'vodafone-ie': 'warning' }]);
    expect(events).toHaveLength(1);
    expect(events[0]!.services).toEqual([expect.objectContaining({ serviceId: 'vodafone-ie', role: 'primary' })]);
  });

  it('a refugee that spikes before the family has two primaries is merged as collateral', () => {
    const m = manager();
    const events = drive(m, [{ facebook: 'warning', twitter: 'warning' }, { facebook: 'danger', twitter: 'warning' }, { facebook: 'danger', instagram: 'warning', twitter: 'warning' }]);
    const tw = events.filter((e) => e.incidentId.startsWith('inc-twitter'));
    expect(tw.map((e) => e.type)).toEqual(['opened', 'resolved']);
    expect(tw[1]!.summary).toContain('merged into inc-meta-202110041540 as collateral');
    const meta = events.filter((e) => e.incidentId.startsWith('inc-meta')).at(-1)!;
    expect(meta.services.find((s) => s.serviceId === 'twitter')!.role).toBe('collateral');
  });

  it('resolves when every primary is ok; a collateral still high does not open an orphan incident', () => {
    const m = manager();
    const events = drive(m, [
      { facebook: 'danger', instagram: 'danger' },
      { facebook: 'danger', instagram: 'danger', telegram: 'warning' },
      { facebook: 'warning', instagram: 'ok', telegram: 'warning' },
      { telegram: 'warning' },
      { telegram: 'warning' },
      {},
      { telegram: 'warning' },
    ]);
    const meta = events.filter((e) => e.incidentId.startsWith('inc-meta'));
    expect(meta.map((e) => e.type)).toEqual(['opened', 'updated', 'updated', 'resolved']);
    expect(meta.at(-1)).toMatchObject({ level: 'ok', resolvedAt: T0 + 4 * W });
    // telegram was suppressed until it went ok; its next spike is a new incident of its own
    const tg = events.filter((e) => e.incidentId.startsWith('inc-telegram'));
    expect(tg.map((e) => [e.type, e.startedAt])).toEqual([['opened', T0 + 6 * W]]);
  });

  it('re-announces a long incident at most every 15 minutes while its peak grows', () => {
    const m = manager();
    const windows: ScoreEvent[][] = [];
    for (let i = 0; i < 60; i++) {
      const ws = T0 + i * W;
      windows.push([score('youtube', ws, 'danger', 100 + i)]);
    }
    const events = windows.flatMap((batch, i) => m.processWindow(T0 + i * W, T0 + (i + 1) * W, batch, 0));
    expect(events.map((e) => e.type)).toEqual(['opened', 'updated', 'updated', 'updated']);
    expect(events.map((e) => (e.at - T0) / W)).toEqual([1, 16, 31, 46]);
    expect(events.at(-1)!.services[0]!.peakCount).toBe(145);
  });

  it('is deterministic and restorable: a restored manager continues with the same ids and seqs', () => {
    const plan: Record<string, Level>[] = [
      { facebook: 'warning' },
      { facebook: 'danger', whatsapp: 'warning', twitter: 'warning' },
      ...repeat(5, { facebook: 'danger', whatsapp: 'danger', twitter: 'warning' } as Record<string, Level>),
      ...repeat(20, {} as Record<string, Level>),
    ];
    const full = drive(manager(), plan);
    const a = manager();
    const first = drive(a, plan.slice(0, 4));
    const b = manager();
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    const rest = drive(b, plan.slice(4), 4);
    expect([...first, ...rest]).toEqual(full);
    expect(full.at(-1)!.type).toBe('resolved');
  });
});

// A CDN outage as on 8 June 2021: the sites behind one CDN fail together, people also blame the
// cloud most of them run on, and an ISP. Catalog facts only; nothing here is scenario-specific.
const CDN_CATALOG: ServiceInfo[] = [
  { id: 'cdn', provider: 'cdn', category: 'cloud' },
  { id: 'cloud', family: 'cloudco', provider: 'cloud', category: 'cloud' },
  ...['site-a', 'site-b', 'site-c'].map((id) => ({ id, provider: 'cloud', dependsOn: ['cloud', 'cdn'], category: 'shopping' })),
  ...['site-d', 'site-e'].map((id) => ({ id, provider: 'other-cloud', dependsOn: ['other-cloud', 'cdn'], category: 'news' })),
  { id: 'isp', provider: 'isp', category: 'isp' },
  ...Array.from({ length: 12 }, (_, i) => ({ id: `bystander-${i}`, provider: i % 2 ? 'cloud' : 'other-cloud', category: 'social' })),
];
const CDN_IDS = CDN_CATALOG.map((s) => s.id);
const SITES = ['site-a', 'site-b', 'site-c', 'site-d', 'site-e'];

/** A window in which the given services carry this much evidence (decades) at their own level. */
function cdnWindow(m: IncidentManager, k: number, evidence: Record<string, [number, Level]>): IncidentEvent[] {
  const ws = T0 + k * W;
  const scores = CDN_IDS.map((id): ScoreEvent => {
    const [e, level] = evidence[id] ?? [0.2, 'ok'];
    return { ...score(id, ws, level), score: scoreFromEvidence(e) };
  });
  return m.processWindow(ws, ws + W, scores, ws + W + 500);
}

describe('IncidentManager: pooling by provider and roles from the catalog', () => {
  const cdnManager = () => new IncidentManager(incidentManagerOptions(DEFAULT_DETECTOR_CONFIG, serviceInfoFrom(CDN_CATALOG)));
  const unusual = DEFAULT_DETECTOR_CONFIG.levels.unusualLog10;
  const warning = DEFAULT_DETECTOR_CONFIG.levels.warningLog10;

  it("five sites of one CDN, each unusual but far below the warning line, are one incident at warning with the CDN as provider", () => {
    const m = cdnManager();
    const weak = Object.fromEntries(SITES.map((id) => [id, [unusual + 1.5, 'ok'] as [number, Level]]));
    const events = [0, 1, 2].flatMap((k) => cdnWindow(m, k, weak));
    expect(events[0]).toMatchObject({ type: 'opened', provider: 'cdn', level: 'warning' });
    const last = events.at(-1)!;
    expect(last.services.map((s) => [s.serviceId, s.role, s.level]).sort()).toEqual(SITES.map((id) => [id, 'primary', 'warning']));
    // the same evidence on one site alone, or on five that are not unusual, opens nothing
    const one = cdnManager();
    expect([0, 1, 2].flatMap((k) => cdnWindow(one, k, { 'site-a': [unusual + 1.5, 'ok'] }))).toEqual([]);
    const calm = cdnManager();
    const mild = Object.fromEntries(SITES.map((id) => [id, [unusual - 0.5, 'ok'] as [number, Level]]));
    expect([0, 1, 2].flatMap((k) => cdnWindow(calm, k, mild))).toEqual([]);
  });

  it('a pooled warning lapses once the services are calm, and the incident resolves', () => {
    const m = cdnManager();
    const weak = Object.fromEntries(SITES.map((id) => [id, [unusual + 1.5, 'ok'] as [number, Level]]));
    const events = [0, 1].flatMap((k) => cdnWindow(m, k, weak));
    for (let k = 2; k < 40; k++) events.push(...cdnWindow(m, k, {}));
    expect(events.at(-1)).toMatchObject({ type: 'resolved' });
    expect(fisherEvidence(5 * (unusual + 1.5), 5)).toBeGreaterThan(warning);
    expect(fisherEvidence(unusual + 1.5, 1)).toBeLessThan(warning);
  });

  it('roles: the blamed cloud that spiked first ends collateral; the sites behind the CDN are primary; the event names the CDN', () => {
    const m = cdnManager();
    const strong: [number, Level] = [30, 'warning'];
    const events = [
      ...cdnWindow(m, 0, { cloud: strong }),
      ...cdnWindow(m, 1, { cloud: strong, 'site-a': strong, 'site-b': strong }),
      ...cdnWindow(m, 2, { cloud: strong, 'site-a': strong, 'site-b': strong, 'site-c': strong, 'site-d': strong, 'site-e': strong, isp: strong }),
      ...cdnWindow(m, 3, { cloud: strong, 'site-a': strong, 'site-b': strong, 'site-c': strong, 'site-d': strong, 'site-e': strong, isp: strong }),
    ];
    expect(new Set(events.map((e) => e.incidentId)).size).toBe(1);
    const last = events.at(-1)!;
    const roles = Object.fromEntries(last.services.map((s) => [s.serviceId, s.role]));
    expect(roles).toEqual({ cloud: 'collateral', isp: 'collateral', ...Object.fromEntries(SITES.map((id) => [id, 'primary'])) });
    expect(last.provider).toBe('cdn');
    // while only the cloud and its own sites were down, the cloud was the cause
    expect(events[1]!.services.find((s) => s.serviceId === 'cloud')!.role).toBe('primary');
    expect(events[1]!.provider).toBe('cloud');
  });
});
