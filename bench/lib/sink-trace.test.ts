import { describe, expect, it } from 'vitest';
import { overlapMs, parseTrace, summarizeTrace, unionMs } from './sink-trace';
import { timelineIntervals } from './sink-timeline';

describe('sink trace', () => {
  it('unions and overlaps intervals', () => {
    expect(unionMs([{ from: 0, to: 10 }, { from: 5, to: 15 }, { from: 20, to: 25 }])).toBe(20);
    expect(unionMs([])).toBe(0);
    expect(overlapMs([{ from: 0, to: 10 }, { from: 20, to: 30 }], [{ from: 5, to: 25 }])).toBe(10);
  });

  it('reads the sink log lines and sums them', () => {
    const log = [
      '{"level":30,"msg":"sink started"}',
      JSON.stringify({ trace: 'map', from: 1000, to: 1100 }),
      JSON.stringify({ trace: 'group', rows: 500, from: 1100, to: 1400 }),
      JSON.stringify({ trace: 'map', from: 1200, to: 1300 }),
      JSON.stringify({ trace: 'group', rows: 300, from: 1400, to: 1500 }),
      'not json "trace"',
    ].join('\n');
    const spans = parseTrace(log);
    expect(spans).toHaveLength(4);
    const text = summarizeTrace(spans, 900, 1600);
    expect(text).toContain('first batch mapped from 0.10 s, first insert 0.20 s, last acknowledged 0.60 s, counted 0.70 s');
    expect(text).toContain('an insert in flight 0.40 s (2 groups, 400 rows each)');
    expect(text).toContain('mapping while an insert was in flight 0.10 s');
    expect(text).toContain('neither (fetching, kafkajs decoding, GC, idle) 0.00 s');
  });

  it('merges timeline samples into intervals of at least the step', () => {
    const iv = timelineIntervals(
      [
        { ms: 200, rows: 0, sinkS: 0.2, kafkaS: 0, clickhouseS: 0 },
        { ms: 600, rows: 100, sinkS: 0.5, kafkaS: 0.1, clickhouseS: 0.2 },
        { ms: 900, rows: 150, sinkS: 0.8, kafkaS: 0.1, clickhouseS: 0.3 },
      ],
      500,
    );
    expect(iv.map((x) => [x.fromMs, x.toMs, x.rows])).toEqual([
      [0, 600, 100],
      [600, 900, 50],
    ]);
    expect(iv[1]!.sink).toBeCloseTo(1.0);
  });
});
