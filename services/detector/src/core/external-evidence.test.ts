import { describe, expect, it } from 'vitest';
import type { ScoreEvent, SignalEvent } from '../../../../schemas/events/index';
import { scoreFromEvidence } from './evidence';
import { EXTERNAL_EVIDENCE_DEFAULTS, ExternalEvidence, officialFloor } from './external-evidence';

const W = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0);
const cfg = { ...EXTERNAL_EVIDENCE_DEFAULTS, unusualLog10: 2, warningLog10: 9, minCount: 6 };

const score = (minute: number, level: ScoreEvent['level'], evidence: number, count: number, serviceId = 'github'): ScoreEvent => ({
  serviceId,
  windowStart: T0 + minute * W,
  windowEnd: T0 + (minute + 1) * W,
  count,
  rawCount: count,
  expected: 2,
  upper: 6,
  score: scoreFromEvidence(evidence),
  level,
  evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] },
  computedAt: T0,
});
const signal = (kind: 'official' | 'probe', atMinute: number, extra: Partial<SignalEvent>, serviceId = 'github'): SignalEvent => ({
  id: `${kind}:${serviceId}:${atMinute}`,
  sourceId: `${kind}:${serviceId}`,
  serviceId,
  kind,
  at: T0 + atMinute * W,
  receivedAt: T0 + atMinute * W,
  outage: false,
  problem: 'other',
  confidence: 1,
  hashtags: [],
  ...extra,
});

describe('external evidence', () => {
  it('an official major outage puts the service at danger without a single report, until the provider says operational', () => {
    const ev = new ExternalEvidence(cfg, W);
    expect(ev.observe(signal('official', 0.5, { officialStatus: 'major_outage', outage: true }))).toBe(true);
    expect(ev.apply(score(0, 'ok', 0, 0)).level).toBe('danger');
    expect(ev.apply(score(1, 'ok', 0, 0)).level).toBe('danger');
    ev.observe(signal('official', 2.5, { officialStatus: 'operational' }));
    expect(ev.apply(score(2, 'ok', 0, 0)).level).toBe('ok');
    expect(ev.apply(score(3, 'warning', 4, 20)).level).toBe('warning'); // the crowd's own level stays
  });

  it('partial outage means at least warning; degraded and maintenance raise nothing', () => {
    expect(['major_outage', 'partial_outage', 'degraded', 'maintenance', 'operational', 'unknown', undefined].map((s) => officialFloor(s as never))).toEqual(['danger', 'warning', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const ev = new ExternalEvidence(cfg, W);
    ev.observe(signal('official', 0, { officialStatus: 'partial_outage', outage: true }));
    expect(ev.apply(score(0, 'ok', 0, 0)).level).toBe('warning');
    expect(ev.apply(score(1, 'danger', 10, 90)).level).toBe('danger');
  });

  it('official evidence counts only from its time on and goes stale when the poller falls silent', () => {
    const ev = new ExternalEvidence(cfg, W);
    ev.observe(signal('official', 5, { officialStatus: 'major_outage' }));
    expect(ev.apply(score(4, 'ok', 0, 0)).level).toBe('ok'); // window ends at minute 5: not yet said
    expect(ev.apply(score(5, 'ok', 0, 0)).level).toBe('danger');
    expect(ev.apply(score(19, 'ok', 0, 0)).level).toBe('danger'); // ends at minute 20: said 15 minutes before, still fresh
    expect(ev.apply(score(20, 'ok', 0, 0)).level).toBe('ok'); // ends at 21: nothing said for 16 minutes
  });

  it('a failing probe alone never raises a level', () => {
    const ev = new ExternalEvidence(cfg, W);
    for (let m = 0; m < 10; m++) ev.observe(signal('probe', m, { outage: true }));
    for (let m = 0; m < 10; m++) expect(ev.apply(score(m, 'ok', 0, 0)).level).toBe('ok');
    // a quiet-but-slightly-high crowd (not unusual) is not enough either
    expect(ev.apply(score(10, 'ok', 1.5, 30)).level).toBe('ok');
  });

  it('a failing probe makes a run of unusual crowd windows a warning sooner', () => {
    const crowd = [score(0, 'ok', 3.6, 12), score(1, 'ok', 3.6, 12), score(2, 'ok', 3.6, 12)];
    const without = new ExternalEvidence(cfg, W);
    expect(crowd.map((s) => without.apply(s).level)).toEqual(['ok', 'ok', 'ok']);
    const withProbe = new ExternalEvidence(cfg, W);
    withProbe.observe(signal('probe', 0, { outage: true }));
    // run evidence 3.6, 7.2 (+2 = 9.2 >= 9): warning in the second window
    expect(crowd.map((s) => withProbe.apply(s).level)).toEqual(['ok', 'warning', 'warning']);
  });

  it('a run broken by a calm window starts again, and too few reports never count as unusual', () => {
    const ev = new ExternalEvidence(cfg, W);
    ev.observe(signal('probe', 0, { outage: true }));
    expect(ev.apply(score(0, 'ok', 5, 12)).level).toBe('ok');
    expect(ev.apply(score(1, 'ok', 0.5, 3)).level).toBe('ok');
    expect(ev.apply(score(2, 'ok', 5, 12)).level).toBe('ok'); // 5 + 2 < 9: the run restarted
    expect(ev.apply(score(3, 'ok', 8, 4)).level).toBe('ok'); // evidence high but only 4 reports
  });

  it('is checkpointed and restored exactly, and forgets what went stale', () => {
    const ev = new ExternalEvidence(cfg, W);
    ev.observe(signal('official', 0, { officialStatus: 'major_outage' }));
    ev.observe(signal('probe', 0, { outage: true }, 'reddit'));
    ev.apply(score(0, 'ok', 4, 12, 'reddit'));
    const copy = new ExternalEvidence(cfg, W);
    copy.restore(JSON.parse(JSON.stringify(ev.toJSON())));
    expect(copy.apply(score(1, 'ok', 0, 0)).level).toBe('danger');
    expect(copy.apply(score(1, 'ok', 5, 12, 'reddit')).level).toBe('warning'); // the restored run: 4 + 5 + 2 >= 9
    expect(copy.raisedByOfficial(T0 + 2 * W)).toEqual(['github']);
    copy.prune(T0 + 60 * W);
    expect(copy.size).toBe(0);
    expect(copy.observe({ ...signal('probe', 0, {}), kind: 'report' })).toBe(false);
  });
});
