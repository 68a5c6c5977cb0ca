import { describe, expect, it } from 'vitest';
import { consumePasses, describeFloor, floorFigures, marginal, meanRecordBytes, peerFloor, startUpFromTwoRuns, type DayVolume, type PeerCost, type PeerKind } from './e2e-floor';

const cost = (kind: PeerKind, toolS: number, kafkaS: number, clickhouseS: number, o: { startsTool?: boolean; perDay?: boolean } = {}): PeerCost => ({
  kind,
  label: kind,
  toolS,
  kafkaS,
  clickhouseS,
  wallS: 1,
  startsTool: o.startsTool ?? true,
  perDay: o.perDay ?? false,
});

const volume: DayVolume = {
  events: 100_000,
  topics: [
    { topic: 'reports', messages: 60_000, bytes: 60_000 * 400, readers: 1, partitions: 6 },
    { topic: 'signals', messages: 5_000, bytes: 5_000 * 2_000 + 3, readers: 2, partitions: 6 },
    { topic: 'detectorState', messages: 50, bytes: 5_000, readers: 0, partitions: 6 },
    { topic: 'scores', messages: 2_000, bytes: 2_000 * 300, readers: 1, partitions: 6 },
    { topic: 'dlq', messages: 0, bytes: 0, readers: 1, partitions: 6 },
  ],
  tables: [
    { table: 'reports', rows: 60_000 },
    { table: 'dlq', rows: 0 },
  ],
};

const fixed: Record<PeerKind, PeerCost> = { produce: cost('produce', 1, 0.1, 0), consume: cost('consume', 2, 0.2, 0), insert: cost('insert', 0.05, 0, 0.01) };

describe('marginal', () => {
  it('takes the start-up off each process apart and never goes below zero', () => {
    expect(marginal(cost('produce', 3, 1.1, 0.02), fixed.produce)).toEqual({ toolS: 2, kafkaS: expect.closeTo(1, 9), clickhouseS: 0.02 });
    // a step cheaper than the start-up run (noise) counts as nothing, not as a credit
    expect(marginal(cost('produce', 0.5, 0.05, 0), fixed.produce)).toEqual({ toolS: 0, kafkaS: 0, clickhouseS: 0 });
  });
});

describe('startUpFromTwoRuns', () => {
  it('is the cost at 0 records on the line through two runs, each process apart, none below 0', () => {
    // tool: 3 s + 20 µs a record; broker: 0.1 s + 5 µs a record; ClickHouse: noise falling with the records
    const s = startUpFromTwoRuns(cost('produce', 5, 0.6, 0.02), 100_000, cost('produce', 9, 1.6, 0.01), 300_000);
    expect(s.toolS).toBeCloseTo(3, 9);
    expect(s.kafkaS).toBeCloseTo(0.1, 9);
    expect(s.clickhouseS).toBeCloseTo(0.025, 9);
    expect(startUpFromTwoRuns(cost('produce', 1, 0, 0), 100_000, cost('produce', 4, 0, 0), 300_000).toolS).toBe(0);
    expect(s.kind).toBe('produce');
  });

  it('refuses two runs that do not tell a slope', () => {
    expect(() => startUpFromTwoRuns(cost('consume', 1, 0, 0), 100, cost('consume', 1, 0, 0), 100)).toThrow(/more records/);
  });
});

describe('peerFloor', () => {
  const steps = [
    cost('produce', 3, 1.1, 0), // 2 + 1 = 3 after the start-up
    cost('produce', 1.5, 0.6, 0), // 0.5 + 0.5 = 1
    cost('consume', 4, 1.2, 0), // 2 + 1 = 3
    cost('insert', 0.55, 0, 1.01), // 0.5 + 1 = 1.5
    cost('insert', 0, 0, 0.5, { startsTool: false }), // merges: no start-up to take off
  ];
  const f = peerFloor({ volume, steps, fixed, scale: 0.02, cores: 2, pipelineCpuUsPerEvent: 170 });

  it('sums the steps after their start-ups, by kind and by process', () => {
    expect(f.cpuS).toBeCloseTo(9, 9);
    expect(f.cpuUsPerEvent).toBeCloseTo(90, 6);
    expect(f.byKindUsPerEvent.produce).toBeCloseTo(40, 6);
    expect(f.byKindUsPerEvent.consume).toBeCloseTo(30, 6);
    expect(f.byKindUsPerEvent.insert).toBeCloseTo(20, 6);
    expect(f.byProcessUsPerEvent.tool).toBeCloseTo(50, 6);
    expect(f.byProcessUsPerEvent.kafka).toBeCloseTo(25, 6);
    expect(f.byProcessUsPerEvent.clickhouse).toBeCloseTo(15, 6);
    // the start-ups taken off: 1.1 x 2 produce, 2.2 consume, 0.06 insert; none from the merges
    expect(f.fixedS).toBeCloseTo(2.2 + 2.2 + 0.06, 9);
  });

  it('scales to the full day by the CPU an event: events / scale, then over the cores', () => {
    expect(f.fullDayEvents).toBe(5_000_000);
    expect(f.perDayCpuS).toBe(0);
    expect(f.fullDayCpuS).toBeCloseTo(450, 6);
    expect(f.fullDayCpuUsPerEvent).toBeCloseTo(90, 6);
    expect(f.fullDayS).toBeCloseTo(225, 6);
    expect(f.pipelineToFloor).toBeCloseTo(170 / 90, 9);
  });

  it('takes the per-day steps (the detector\'s outputs) to the full day as they are, not over the scale', () => {
    // the same steps plus a per-day produce of 2 + 1 s after its start-up
    const g = peerFloor({ volume, steps: [...steps, cost('produce', 3, 1.1, 0, { perDay: true })], fixed, scale: 0.02, cores: 2, pipelineCpuUsPerEvent: 170 });
    expect(g.cpuS).toBeCloseTo(12, 9);
    expect(g.cpuUsPerEvent).toBeCloseTo(120, 6);
    expect(g.perDayCpuS).toBeCloseTo(3, 9);
    expect(g.fullDayCpuS).toBeCloseTo(9 / 0.02 + 3, 6);
    expect(g.fullDayCpuUsPerEvent).toBeCloseTo(453 / 5, 6);
    expect(g.fullDayS).toBeCloseTo(226.5, 6);
    // the same-run ratio is against this run's floor, per-day steps included
    expect(g.pipelineToFloor).toBeCloseTo(170 / 120, 9);
  });

  it('writes the figures e2e.json keeps, with the day counts of every topic and table that moved something', () => {
    const figures = floorFigures(f, volume);
    expect(figures).toMatchObject({ peer_floor_cpu_s: 450, peer_floor_s: 225, peer_floor_cpu_us_per_event: 90, pipeline_to_peer_floor_cpu_ratio: 1.89, peer_floor_full_day_events: 5_000_000 });
    expect(figures).toMatchObject({ day_reports_messages: 60_000, day_signals_readers: 2, day_detector_state_messages: 50, day_reports_rows: 60_000 });
    expect(figures).not.toHaveProperty('day_dlq_messages');
    expect(figures).not.toHaveProperty('day_dlq_rows');
    for (const key of Object.keys(figures)) expect(key).toMatch(/^[a-z0-9_]+$/);
    expect(describeFloor(f, 2, 170)).toMatch(/within the floor/);
    expect(describeFloor(peerFloor({ volume, steps, fixed, scale: 0.001, cores: 2, pipelineCpuUsPerEvent: 170 }), 2, 170)).toMatch(/out of reach/);
  });

  it('refuses a volume without events or a scale of 0', () => {
    expect(() => peerFloor({ volume: { ...volume, events: 0 }, steps, fixed, scale: 1, cores: 2, pipelineCpuUsPerEvent: 1 })).toThrow(/no events/);
    expect(() => peerFloor({ volume, steps, fixed, scale: 0, cores: 2, pipelineCpuUsPerEvent: 1 })).toThrow(/scale/);
  });
});

describe('consumePasses', () => {
  it('reads each topic as often as groups read it, empty and unread topics never, per-day topics in passes of their own', () => {
    const passes = consumePasses(volume.topics).map((p) => [p.perDay, p.topics.map((t) => t.topic)]);
    expect(passes).toEqual([
      [false, ['reports', 'signals']],
      [false, ['signals']],
      [true, ['scores']],
    ]);
  });
});

describe('meanRecordBytes', () => {
  it('is the mean message size, rounded, at least one byte', () => {
    expect(meanRecordBytes(volume.topics[1]!)).toBe(2_000);
    expect(meanRecordBytes(volume.topics.find((t) => t.topic === 'dlq')!)).toBe(1);
  });
});
