import { describe, expect, it } from 'vitest';
import type { IncidentEvent, IncidentService, Level } from '../../../schemas/events/index';
import type { Labels, LabelledService } from '../../../schemas/scenario/index';
import { bandProbes, bandsAfterOutage, checkTargets, detectedIncidents, evalMetrics, evaluateScenario, firstReached, hostOf, WEEK_MS, type BandSample, type LevelChange, type Observed, type ScenarioEvaluation } from './evaluate';
import { formatDelay, formatScenario, formatTargets } from './format-report';

const T0 = Date.parse('2024-01-01T12:00:00Z');
const min = (m: number) => T0 + m * 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function labelledService(serviceId: string, role: 'primary' | 'collateral', onsetMin: number, endMin: number): LabelledService {
  return {
    serviceId,
    role,
    onset: iso(min(onsetMin)),
    peak: iso(min(onsetMin + 5)),
    end: iso(min(endMin)),
    peakPerMinute: 100,
    normalPerMinuteAtPeak: 1,
    expectedReports: 1000,
    countries: ['US'],
  };
}

/** One labelled incident: alpha and beta (primaries, onset at +0), isp (collateral, onset at +2), 0..60 min. */
function labels(extra: Partial<Labels> = {}): Labels {
  return {
    scenarioId: 'synthetic',
    generatedBy: 'test',
    start: iso(min(-600)),
    end: iso(min(840)),
    incidents: [
      {
        id: 'fam-outage',
        group: 'fam-outage',
        groupBy: 'family',
        family: 'fam',
        title: 'fam down',
        start: iso(min(0)),
        end: iso(min(60)),
        services: [labelledService('alpha', 'primary', 0, 60), labelledService('beta', 'primary', 0, 60), labelledService('isp', 'collateral', 2, 40)],
        hashtags: [],
      },
    ],
    nonIncidents: [],
    quietServices: ['quiet'],
    ...extra,
  };
}

function change(serviceId: string, windowMin: number, from: Level, to: Level, lateS = 16): LevelChange {
  return { serviceId, windowStart: min(windowMin), windowEnd: min(windowMin + 1), emittedAt: min(windowMin + 1) + lateS * 1000, from, to, count: 10, expected: 1 };
}

function svc(serviceId: string, role: 'primary' | 'collateral', level: Level = 'warning'): IncidentService {
  return { serviceId, role, level, peakScore: 1, peakCount: 10 };
}

let seqs = new Map<string, number>();
function event(incidentId: string, type: IncidentEvent['type'], atMin: number, startedMin: number, services: IncidentService[], summary = ''): IncidentEvent {
  const seq = (seqs.get(incidentId) ?? 0) + 1;
  seqs.set(incidentId, seq);
  const e: IncidentEvent = {
    eventId: `${incidentId}:${seq}`,
    incidentId,
    seq,
    type,
    at: min(atMin),
    emittedAt: min(atMin) + 16_000,
    level: type === 'resolved' ? 'ok' : services.some((s) => s.role === 'primary' && s.level === 'danger') ? 'danger' : 'warning',
    startedAt: min(startedMin),
    services,
    summary: summary || `${incidentId} ${type}`,
  };
  if (type === 'resolved') e.resolvedAt = min(atMin);
  return e;
}

function observed(over: Partial<Observed>): Observed {
  seqs = new Map();
  return { scenarioId: 'synthetic', scale: 1, from: min(-600), to: min(840), changes: [], incidents: [], trends: [], ...over };
}

/** The detector got it right: both primaries at +1/+2 min, one incident, isp as collateral. */
function goodRun(): Observed {
  const o = observed({});
  o.changes = [
    change('alpha', 0, 'ok', 'warning'),
    change('alpha', 1, 'warning', 'danger'),
    change('beta', 0, 'ok', 'warning'),
    change('beta', 2, 'warning', 'danger'),
    change('isp', 4, 'ok', 'warning'),
    change('alpha', 70, 'danger', 'ok'),
    change('beta', 70, 'danger', 'ok'),
    change('isp', 45, 'warning', 'ok'),
  ];
  o.incidents = [
    event('inc-fam-1200', 'opened', 1, 0, [svc('alpha', 'primary'), svc('beta', 'primary')]),
    event('inc-fam-1200', 'updated', 5, 0, [svc('alpha', 'primary', 'danger'), svc('beta', 'primary', 'danger'), svc('isp', 'collateral')]),
    event('inc-fam-1200', 'resolved', 71, 0, [svc('alpha', 'primary', 'ok'), svc('beta', 'primary', 'ok'), svc('isp', 'collateral', 'ok')]),
  ];
  return o;
}

describe('firstReached', () => {
  const list = [change('a', 10, 'ok', 'warning'), change('a', 12, 'warning', 'danger'), change('a', 30, 'danger', 'ok')];

  it('finds the first window at or above the level inside the range', () => {
    expect(firstReached(list, 'warning', min(0), min(60))?.windowStart).toBe(min(10));
    expect(firstReached(list, 'danger', min(0), min(60))?.windowStart).toBe(min(12));
  });

  it('counts a level entered before the range and still held at its start (a negative delay, not a miss)', () => {
    expect(firstReached(list, 'warning', min(11), min(60))?.windowStart).toBe(min(10));
    expect(firstReached(list, 'danger', min(20), min(60))?.windowStart).toBe(min(12));
  });

  it('ignores an episode that ended before the range, and one that starts after it', () => {
    expect(firstReached(list, 'warning', min(31), min(60))).toBeUndefined();
    expect(firstReached(list, 'warning', min(0), min(9))).toBeUndefined();
  });

  it('treats danger -> warning as leaving danger', () => {
    const l = [change('a', 10, 'ok', 'danger'), change('a', 15, 'danger', 'warning'), change('a', 20, 'warning', 'danger')];
    expect(firstReached(l, 'danger', min(16), min(60))?.windowStart).toBe(min(20));
    expect(firstReached(l, 'warning', min(16), min(60))?.windowStart).toBe(min(10));
  });
});

describe('evaluateScenario', () => {
  it('measures delays from the labelled onset to the window end, and the alert delay to the emission', () => {
    const e = evaluateScenario(labels(), goodRun());
    const [alpha, beta, isp] = e.incidents[0]!.services;
    expect(alpha!.warning).toMatchObject({ delayS: 60, alertDelayS: 76 });
    expect(alpha!.danger).toMatchObject({ delayS: 120, alertDelayS: 136 });
    expect(beta!.danger?.delayS).toBe(180);
    // isp's onset is +2 min: first warning window [+4, +5) ends 3 min after it
    expect(isp!.warning?.delayS).toBe(180);
    expect(isp!.danger).toBeUndefined();
  });

  it('grouping, collateral marking, no false incident, no miss when the detector is right', () => {
    const e = evaluateScenario(labels(), goodRun());
    const inc = e.incidents[0]!;
    expect(inc).toMatchObject({ missed: false, grouped: true, incidentIds: ['inc-fam-1200'], collateralSeen: 1, collateralMarked: 1, primarySeen: 2, primaryMarked: 2, unlabelledMembers: [] });
    expect(inc.services.map((s) => s.observedRole)).toEqual(['primary', 'primary', 'collateral']);
    expect(e.falseIncidents).toEqual([]);
    expect(e.missedIncidents).toBe(0);
    expect(e.days).toBeCloseTo(1);
  });

  it("the trend delay: the first trending window of a primary's hashtag, from the first onset; a collateral's or an earlier one does not count", () => {
    const o = goodRun();
    const trend = (hashtag: string, serviceId: string, windowMin: number) => ({ hashtag, serviceId, windowStart: min(windowMin), windowEnd: min(windowMin + 1), count: 50, burst: 0.6 });
    o.trends = [trend('alphadown', 'alpha', -200), trend('ispdown', 'isp', 1), trend('betadown', 'beta', 3), trend('alphadown', 'alpha', 4)];
    expect(evaluateScenario(labels(), o).incidents[0]!.trend).toEqual({ hashtag: 'betadown', windowStart: min(3), delayS: 240 });
    o.trends = [trend('ispdown', 'isp', 1)];
    expect(evaluateScenario(labels(), o).incidents[0]!.trend).toBeUndefined();
  });

  it('a collateral that opened its own incident is a split group and a wrongly marked role, not a false incident', () => {
    const o = goodRun();
    o.incidents = o.incidents.map((ev) => ({ ...ev, services: ev.services.filter((s) => s.serviceId !== 'isp') }));
    o.incidents.push(event('inc-isp-1204', 'opened', 5, 4, [svc('isp', 'primary')]), event('inc-isp-1204', 'resolved', 46, 4, [svc('isp', 'primary', 'ok')]));
    const e = evaluateScenario(labels(), o);
    const inc = e.incidents[0]!;
    expect(inc.grouped).toBe(false);
    expect(inc.incidentIds).toEqual(['inc-fam-1200', 'inc-isp-1204']);
    expect(inc).toMatchObject({ collateralSeen: 1, collateralMarked: 0 });
    expect(inc.services[2]).toMatchObject({ incidentId: 'inc-isp-1204', observedRole: 'primary' });
    expect(e.falseIncidents).toEqual([]);
  });

  it('an incident merged into the big one as collateral counts as the big one', () => {
    const o = goodRun();
    o.incidents = o.incidents.map((ev) => ({ ...ev, services: ev.services.filter((s) => s.serviceId !== 'isp') }));
    o.incidents.push(
      event('inc-isp-1159', 'opened', 1, -1, [svc('isp', 'primary')]),
      event('inc-isp-1159', 'resolved', 2, -1, [svc('isp', 'collateral')], 'isp (warning); since 11:59; merged into inc-fam-1200 as collateral'),
      event('inc-fam-1200', 'updated', 2, 0, [svc('alpha', 'primary'), svc('beta', 'primary'), svc('isp', 'collateral')]),
    );
    const e = evaluateScenario(labels(), o);
    expect(e.mergedIncidents).toBe(1);
    expect(e.incidents[0]).toMatchObject({ grouped: true, incidentIds: ['inc-fam-1200'], collateralMarked: 1 });
    expect(e.falseIncidents).toEqual([]);
    const d = detectedIncidents(o.incidents);
    expect(hostOf('inc-isp-1159', d)).toBe('inc-fam-1200');
  });

  it('an incident on an unlabelled service, or far from the label, is false; a silent detector misses', () => {
    const o = observed({});
    o.changes = [change('quiet', 300, 'ok', 'warning'), change('alpha', 400, 'ok', 'warning')];
    o.incidents = [
      event('inc-quiet-1700', 'opened', 301, 300, [svc('quiet', 'primary')]),
      event('inc-quiet-1700', 'resolved', 320, 300, [svc('quiet', 'primary', 'ok')]),
      event('inc-alpha-1840', 'opened', 401, 400, [svc('alpha', 'primary')]),
    ];
    const e = evaluateScenario(labels(), o);
    expect(e.falseIncidents.map((f) => f.incidentId)).toEqual(['inc-quiet-1700', 'inc-alpha-1840']);
    expect(e.falseIncidents[1]!.resolvedAt).toBeUndefined();
    expect(e.missedIncidents).toBe(1);
    expect(e.incidents[0]).toMatchObject({ missed: true, grouped: undefined });
    expect(e.falseIncidentsPerDay).toBeCloseTo(2);
  });

  it('a labelled trend needs its hashtag trending in its span and no incident of its own', () => {
    const l = labels({
      incidents: [],
      nonIncidents: [{ id: 'wrapped', kind: 'trend', hashtag: 'SpotifyWrapped', serviceId: 'spotify', from: iso(min(0)), peak: iso(min(60)), to: iso(min(600)), expect: 'trend-without-incident', note: '' }],
    });
    const trend = { hashtag: 'spotifywrapped', serviceId: 'spotify', windowStart: min(3), windowEnd: min(4), count: 500, burst: 1 };
    const good = evaluateScenario(l, observed({ trends: [{ ...trend, windowStart: min(-100) }, trend] }));
    expect(good.nonIncidents[0]).toMatchObject({ ok: true, trendAt: min(3), incidentIds: [] });

    const none = evaluateScenario(l, observed({ trends: [{ ...trend, windowStart: min(-100) }] }));
    expect(none.nonIncidents[0]).toMatchObject({ ok: false, incidentIds: [] });
    expect(none.nonIncidents[0]!.trendAt).toBeUndefined();

    const o = observed({ trends: [trend] });
    o.incidents = [event('inc-spotify-1210', 'opened', 11, 10, [svc('spotify', 'primary')])];
    const withIncident = evaluateScenario(l, o);
    expect(withIncident.nonIncidents[0]).toMatchObject({ ok: false, incidentIds: ['inc-spotify-1210'] });
    expect(withIncident.falseIncidents).toHaveLength(1);
  });
});

/** An evaluation of fb-2021-10-04 with the four Meta services at the given danger delays. */
function fbEvaluation(dangerDelays: number[], incidentIds: string[]): ScenarioEvaluation {
  const names = ['facebook', 'instagram', 'whatsapp', 'messenger'];
  const l = labels({
    scenarioId: 'fb-2021-10-04',
    incidents: [{ ...labels().incidents[0]!, id: 'meta-2021-10-04', services: names.map((n) => labelledService(n, 'primary', 0, 60)) }],
  });
  const o = observed({ scenarioId: 'fb-2021-10-04' });
  names.forEach((n, i) => {
    o.changes.push(change(n, 0, 'ok', 'warning'), change(n, dangerDelays[i]! / 60 - 1, 'warning', 'danger'));
    o.incidents.push(event(incidentIds[i]!, i === 0 || incidentIds[i] !== incidentIds[0] ? 'opened' : 'updated', 1, 0, [svc(n, 'primary')]));
  });
  return evaluateScenario(l, { ...o, scenarioId: 'fb-2021-10-04' });
}

describe('checkTargets and evalMetrics', () => {
  it('the Meta targets are met at 120 s in one incident, and not at 180 s or split', () => {
    const met = checkTargets(new Map([['fb-2021-10-04', fbEvaluation([120, 120, 120, 120], ['i', 'i', 'i', 'i'])]]));
    expect(met.map((t) => [t.id, t.met])).toEqual([
      ['fb-meta-danger-120s', true],
      ['fb-meta-one-incident', true],
    ]);
    const late = checkTargets(new Map([['fb-2021-10-04', fbEvaluation([120, 120, 120, 180], ['i', 'i', 'i', 'j'])]]));
    expect(late.map((t) => t.met)).toEqual([false, false]);
    expect(late[0]!.detail).toContain('messenger 180 s');
    expect(late[1]!.detail).toBe('i, j');
  });

  it('writes the largest Meta delay, the totals and a lower bound (not a flattering number) for a level never reached', () => {
    const fb = fbEvaluation([120, 120, 180, 120], ['i', 'i', 'i', 'i']);
    const m = evalMetrics([{ scenarioId: 'fb-2021-10-04', scale: 1, informational: false, evaluation: fb }]);
    expect(m).toMatchObject({ fb_meta_danger_delay_s: 180, fb_meta_danger_alert_delay_s: 196, fb_meta_warning_delay_s: 60, fb_meta_incidents: 1, fb_meta_danger_reached: 1, missed_incidents: 0, false_incidents_total: 0 });

    const never = fbEvaluation([120, 120, 120, 120], ['i', 'i', 'i', 'i']);
    never.incidents[0]!.services[3]!.danger = undefined;
    const n = evalMetrics([{ scenarioId: 'fb-2021-10-04', scale: 1, informational: false, evaluation: never }]);
    expect(n.fb_meta_danger_reached).toBe(0);
    expect(n.fb_meta_danger_delay_s).toBe((min(840) - min(0)) / 1000);
  });

  it('informational runs count toward no total', () => {
    const bad = evaluateScenario(labels(), observed({}));
    const m = evalMetrics([
      { scenarioId: 'synthetic', scale: 1, informational: false, evaluation: evaluateScenario(labels(), goodRun()) },
      { scenarioId: 'synthetic', scale: 0.01, informational: true, evaluation: bad },
    ]);
    expect(m.missed_incidents).toBe(0);
    expect(m.synthetic_detected).toBe(1);
    expect(m.synthetic_warning_delay_s).toBe(60);
    for (const k of Object.keys(m)) expect(k).toMatch(/^[a-z0-9_]+$/);
  });

  it('quiet-week, blip, viral and the provider outage targets', () => {
    const quiet = evaluateScenario(labels({ incidents: [] }), observed({}));
    const t = checkTargets(new Map([['quiet-week', quiet], ['blip-6min', evaluateScenario(labels(), goodRun())]]));
    expect(t.map((x) => [x.id, x.met])).toEqual([
      ['quiet-week-no-false-incident', true],
      ['blip-6min-detected', true],
    ]);
    const missed = checkTargets(new Map([['slow-degradation', evaluateScenario(labels(), observed({}))]]));
    expect(missed[0]).toMatchObject({ id: 'slow-degradation-detected', met: false });
    const split = goodRun();
    split.incidents.push(event('inc-beta-1200', 'opened', 1, 0, [svc('beta', 'primary')]));
    const cdn = checkTargets(new Map([['cdn-provider', evaluateScenario(labels(), split)]]));
    expect(cdn[0]).toMatchObject({ id: 'cdn-provider-one-incident', met: false });
  });
});

describe('format-report', () => {
  it('formats delays in seconds, then minutes, then hours', () => {
    expect(formatDelay(120)).toBe('+120 s');
    expect(formatDelay(-90)).toBe('-90 s');
    expect(formatDelay(1260)).toBe('+21 min');
    expect(formatDelay(8 * 3600)).toBe('+8.0 h');
  });

  it('prints one row per labelled service and says what is wrong', () => {
    const o = goodRun();
    o.incidents = o.incidents.map((ev) => ({ ...ev, services: ev.services.filter((s) => s.serviceId !== 'isp') }));
    o.incidents.push(event('inc-isp-1204', 'opened', 5, 4, [svc('isp', 'primary')]));
    const text = formatScenario(evaluateScenario(labels(), o), { label: 'synthetic', scale: 1, informational: false });
    expect(text).toContain('grouping SPLIT over inc-fam-1200, inc-isp-1204');
    expect(text).toMatch(/alpha\s+primary\s+12:00\s+-\s+\+60 s\s+\+120 s\s+\+136 s\s+inc-fam-1200\s+primary ok/);
    expect(text).toMatch(/isp\s+collateral.*primary WRONG/);
    expect(formatTargets([{ id: 'x', scenarioId: 's', description: 'd', met: false, detail: 'why' }])).toContain('[NOT MET] s: d: why');
  });
});

describe('resolution and criterion 4', () => {
  it('says when the incident resolved after the labelled end and how many incidents the outage opened', () => {
    const e = evaluateScenario(labels(), goodRun());
    expect(e.incidents[0]!.resolvedAfterEndS).toBe(11 * 60);
    expect(e.incidents[0]!.openings).toBe(1);
    const open = goodRun();
    open.incidents = open.incidents.filter((x) => x.type !== 'resolved');
    expect(evaluateScenario(labels(), open).incidents[0]!.resolvedAfterEndS).toBeUndefined();
  });

  it('compares the band one hour after each primary end with the same 15 minutes one week before, only where both were replayed', () => {
    const weekAgo = min(60 + 60) - WEEK_MS;
    // Not replayed a week before: no probe.
    expect(bandProbes(labels(), min(-600), min(840))).toEqual([]);
    const probes = bandProbes(labels(), weekAgo, min(840));
    // alpha and beta (primaries), 15 windows each, after and a week before; the collateral isp is not compared.
    expect(probes).toHaveLength(2 * 15 * 2);
    expect(new Set(probes.map((p) => p.serviceId))).toEqual(new Set(['alpha', 'beta']));
    expect(Math.min(...probes.map((p) => p.windowStart))).toBe(weekAgo);
    expect(Math.max(...probes.map((p) => p.windowStart))).toBe(min(134));
    const bands: BandSample[] = probes
      .filter((p) => !(p.serviceId === 'beta' && p.windowStart === min(130)))
      .map((p) => ({ ...p, expected: p.windowStart >= min(0) ? (p.serviceId === 'alpha' ? 3 : 9) : 2, upper: 10 }));
    const rows = bandsAfterOutage(labels(), observed({ from: weekAgo, bands }));
    // beta misses a window: not compared rather than compared on 14 minutes.
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ serviceId: 'alpha', at: min(120), after: 45, weekBefore: 30, ratio: 1.5, upperAfter: 150, upperWeekBefore: 150 });
  });
});
