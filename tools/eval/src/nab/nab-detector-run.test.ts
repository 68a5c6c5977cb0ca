import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNabTimestamp, type NabDataFile } from './nab-corpus';
import { nabResultCsv, scoresFromCliOutput, scoreWithDetector, writeNabResult } from './nab-detector-run';

const dir = mkdtempSync(join(tmpdir(), 'nab-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dataFile(name: string, lines: string[], windows: [string, string][] = []): NabDataFile {
  const path = join(dir, name.replace('/', '_'));
  writeFileSync(path, ['timestamp,value', ...lines].join('\n') + '\n');
  const timestampTexts = lines.map((l) => l.split(',')[0]!);
  return {
    name,
    category: name.split('/')[0]!,
    path,
    timestamps: Float64Array.from(timestampTexts.map((t) => (/^\d{4}-/.test(t) ? parseNabTimestamp(t) : NaN))),
    timestampTexts,
    valueTexts: lines.map((l) => l.split(',')[1] ?? ''),
    windows: windows.map(([s, e]) => ({ start: parseNabTimestamp(s), end: parseNabTimestamp(e) })),
  };
}

const rows = (n: number, value: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => `${new Date(Date.UTC(2015, 1, 26, 0, 5 * i)).toISOString().replace('T', ' ').slice(0, 19)},${value(i)}`);

describe('scoring a NAB file with the detector in process', () => {
  it('answers one score in [0, 1] per row, and a burst scores above the quiet rows', async () => {
    const file = dataFile('realTweets/burst.csv', rows(400, (i) => (i >= 300 && i < 310 ? 400 : 20 + (i % 3))));
    const result = await scoreWithDetector(file);
    expect(result.refused).toBeUndefined();
    expect(result.scores).toHaveLength(400);
    expect(result.scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(result.scores[300]!).toBeGreaterThan(Math.max(...result.scores.slice(100, 300)));
  });

  it('reports a file the detector refuses and scores it 0 on every row', async () => {
    const file = dataFile('realTweets/bad.csv', [...rows(5, () => 3), 'not a timestamp,value?', ...rows(5, () => 3)]);
    const result = await scoreWithDetector(file);
    expect(result.refused).toMatch(/line 7/);
    expect(Array.from(result.scores)).toEqual(new Array(11).fill(0));
  });
});

describe('the CLI output', () => {
  it('gives the last column, row by row', () => {
    expect(Array.from(scoresFromCliOutput('timestamp,value,anomaly_score\n2015-01-01 00:00:00,1,0.000000\n2015-01-01 00:05:00,"2",0.250000\n', 2))).toEqual([0, 0.25]);
  });

  it('must answer one row per input row, with scores in [0, 1]', () => {
    expect(() => scoresFromCliOutput('timestamp,value,anomaly_score\na,1,0.1\n', 2)).toThrow(/1 rows for 2 input rows/);
    expect(() => scoresFromCliOutput('timestamp,value,anomaly_score\na,1,1.5\n', 1)).toThrow(/not in \[0, 1\]/);
    expect(() => scoresFromCliOutput('a,1,0.5\n', 1)).toThrow(/no anomaly_score header/);
  });
});

describe('NAB result files', () => {
  it('hold timestamp,value,anomaly_score,label with label 1 inside windows, in the NAB layout', () => {
    const file = dataFile('realTweets/w.csv', rows(6, (i) => i), [['2015-02-26 00:10:00', '2015-02-26 00:15:00']]);
    const csv = nabResultCsv(file, [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(csv.split('\n').slice(0, 5)).toEqual([
      'timestamp,value,anomaly_score,label',
      '2015-02-26 00:00:00,0,0,0',
      '2015-02-26 00:05:00,1,0.1,0',
      '2015-02-26 00:10:00,2,0.2,1',
      '2015-02-26 00:15:00,3,0.3,1',
    ]);
    const path = writeNabResult(join(dir, 'results'), 'downradar', file, [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(path).toBe(join(dir, 'results', 'downradar', 'realTweets', 'downradar_w.csv'));
    expect(readFileSync(path, 'utf8')).toBe(csv);
  });
});
