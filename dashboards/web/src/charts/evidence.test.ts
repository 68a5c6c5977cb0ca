import { describe, expect, it } from 'vitest';
import type { OfficialResponse, ProbesResponse } from '../../../../schemas/api/index';
import { describeDelay, prepareAcknowledgements, prepareOfficialStrip, prepareProbeStrip } from './evidence';

const T = (m: number) => Date.UTC(2026, 0, 5, 12, m);
const entry = (at: number, kind: 'page' | 'incident' | 'component', status: OfficialResponse['entries'][number]['status'], title = '') => ({ at, kind, status, providerStatus: status, title, url: 'https://s.test', incidentId: null, componentName: null });

describe('prepareOfficialStrip', () => {
  it('colours each stretch by what the page said, starting from what it said before the range', () => {
    const r: OfficialResponse = {
      serviceId: 'github',
      source: { kind: 'statuspage', url: 'https://s.test' },
      before: entry(T(-60), 'page', 'operational'),
      entries: [entry(T(20), 'component', 'major_outage'), entry(T(25), 'page', 'major_outage'), entry(T(26), 'incident', 'major_outage', 'Git down'), entry(T(75), 'page', 'operational')],
    };
    const s = prepareOfficialStrip(r, { from: T(0), to: T(100) });
    expect(s.segments).toEqual([
      { start: 0, end: 0.25, status: 'operational', label: 'operational' },
      { start: 0.25, end: 0.75, status: 'major_outage', label: 'major outage' },
      { start: 0.75, end: 1, status: 'operational', label: 'operational' },
    ]);
    expect(s.markers).toEqual([{ at: T(26), x: 0.26, status: 'major_outage', title: 'Git down', url: 'https://s.test' }]);
    expect(s.noSource).toBe(false);
  });
  it('leaves what the page never said empty, and knows when there is no page at all', () => {
    const s = prepareOfficialStrip({ serviceId: 'x', source: null, before: null, entries: [] }, { from: T(0), to: T(10) });
    expect(s.segments).toEqual([{ start: 0, end: 1, status: 'none', label: 'no word from the status page' }]);
    expect(s.noSource).toBe(true);
  });
});

describe('prepareProbeStrip', () => {
  it('one cell per probed minute: ok, some failed, all failed; the typical HTTPS latency', () => {
    const r: ProbesResponse = {
      serviceId: 'facebook',
      domains: ['facebook.com'],
      minutes: [
        { minute: T(1), kind: 'dns', probes: 1, failed: 0, failures: [], medianLatencyMs: 5 },
        { minute: T(1), kind: 'https', probes: 1, failed: 0, failures: [], medianLatencyMs: 100 },
        { minute: T(2), kind: 'dns', probes: 2, failed: 1, failures: ['servfail'], medianLatencyMs: 5 },
        { minute: T(2), kind: 'https', probes: 1, failed: 0, failures: [], medianLatencyMs: 300 },
        { minute: T(3), kind: 'dns', probes: 2, failed: 2, failures: ['nxdomain'], medianLatencyMs: null },
      ],
    };
    const s = prepareProbeStrip(r, { from: T(0), to: T(10) });
    expect(s.cells.map((c) => c.state)).toEqual(['ok', 'partial', 'failing']);
    expect(s.cells[2]).toMatchObject({ start: 0.3, end: 0.4, label: '2 of 2 probes failed: nxdomain' });
    expect(s.failedMinutes).toBe(2);
    expect(s.typicalHttpsMs).toBe(300);
  });
});

describe('acknowledgements', () => {
  it('says how long after (or before) downradar the provider spoke', () => {
    expect(describeDelay(300)).toBe("5 min after downradar's detection");
    expect(describeDelay(-120)).toBe("2 min before downradar's detection");
    expect(describeDelay(20)).toBe("within a minute of downradar's detection");
    expect(describeDelay(3 * 3600)).toBe("3.0 h after downradar's detection");
    const lines = prepareAcknowledgements({ incidentId: 'i', services: [{ serviceId: 'github', detectedAt: T(0), acknowledgedAt: T(5), afterDetectionS: 300, title: 'Git down', url: 'u' }] });
    expect(lines[0]).toMatchObject({ serviceId: 'github', late: true, text: "5 min after downradar's detection" });
  });
});
