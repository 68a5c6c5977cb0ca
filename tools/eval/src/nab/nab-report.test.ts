import { describe, expect, it } from 'vitest';
import { comparisonRow, formatCategories, formatComparison, nabMetrics, nabReport, snake } from './nab-report';
import { prepareRows, type NabFileScores, type NabProfile } from './nab-scoring';

const STANDARD: NabProfile = { name: 'standard', tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const LOW_FN: NabProfile = { name: 'reward_low_FN_rate', tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

/** 30 rows (0-3 probation), one window at rows 8-11, scores given by row. */
function file(name: string, scores: Record<number, number>, windows: [number, number][] = [[8, 11]]): NabFileScores {
  const s = new Array<number>(30).fill(0);
  for (const [row, score] of Object.entries(scores)) s[Number(row)] = score;
  return { name, timestamps: Array.from({ length: 30 }, (_, i) => i), scores: s, windows: windows.map(([start, end]) => ({ start, end })) };
}

describe('nabReport', () => {
  // realKnownCause wants threshold 0.6 (its window at 0.6); realTweets' window is hit at 0.4, and
  // a false positive at 0.7 sits in realTweets.
  const files = [
    file('realKnownCause/a.csv', { 8: 0.6 }),
    file('realKnownCause/b.csv', { 8: 0.9 }),
    file('realTweets/t.csv', { 8: 0.4, 25: 0.7 }),
    file('artificialNoAnomaly/n.csv', { 20: 0.65 }, []),
  ];
  const report = nabReport('det', prepareRows(files), [STANDARD, LOW_FN]);
  const standard = report.profiles[0]!;

  it('lists the categories', () => {
    expect(report.categories).toEqual(['artificialNoAnomaly', 'realKnownCause', 'realTweets']);
  });

  it('scores the corpus at one threshold chosen on all files', () => {
    // At 0.4: three windows +3, FPs 0.7 and 0.65 (-0.22) = 2.78; at 0.6: 2 - 1 - 0.22 = 0.78.
    expect(standard.corpus.threshold).toBe(0.4);
    expect(standard.corpus.raw).toBeCloseTo(3 - 0.22, 9);
    expect(standard.corpus.score).toBeCloseTo((100 * (2.78 + 3)) / 6, 9);
  });

  it("gives each category's share at the corpus threshold and its own optimum", () => {
    expect(standard.categoryShare['realTweets']!.raw).toBeCloseTo(1 - 0.11, 9);
    expect(standard.categoryOwn['realTweets']!.raw).toBeCloseTo(1 - 0.11, 9);
    expect(standard.categoryShare['artificialNoAnomaly']).toMatchObject({ score: undefined, falsePositiveRows: 1, windows: 0 });
    // Alone, artificialNoAnomaly never fires.
    expect(standard.categoryOwn['artificialNoAnomaly']).toMatchObject({ score: undefined, falsePositiveRows: 0, threshold: 1.1 });
  });

  it('scores realTweets at the threshold chosen on the other categories', () => {
    // Without realTweets the best threshold is 0.6 (two windows, and 0.65's FP is above it): at 0.6
    // realTweets' window (0.4) is missed and its 0.7 is a false positive.
    expect(standard.heldOut!.threshold).toBe(0.6);
    expect(standard.heldOut!.raw).toBeCloseTo(-1 - 0.11, 9);
    expect(standard.heldOut).toMatchObject({ detectedWindows: 0, missedWindows: 1, falsePositiveRows: 1, windows: 1 });
  });

  it('has no held-out figure without other categories', () => {
    const alone = nabReport('det', prepareRows([file('realTweets/t.csv', { 8: 0.4 })]), [STANDARD]);
    expect(alone.profiles[0]!.heldOut).toBeUndefined();
    expect(formatCategories(alone)).not.toMatch(/θ from the others/);
  });

  it('writes snake_case metrics with the figures', () => {
    const m = nabMetrics(report);
    expect(m['corpus_standard_score']).toBeCloseTo(96.333, 3);
    expect(m['corpus_standard_threshold']).toBe(0.4);
    expect(m['real_tweets_standard_threshold_from_other_categories_missed_windows']).toBe(1);
    expect(m['artificial_no_anomaly_standard_false_positive_rows']).toBe(1);
    expect(m['artificial_no_anomaly_standard_score']).toBeUndefined();
    expect(Object.keys(m).every((k) => /^[a-z0-9_]+$/.test(k))).toBe(true);
    expect(Object.keys(m)).toContain('real_known_cause_reward_low_fn_rate_own_threshold_score');
  });

  it('prints the categories and a comparison sorted by corpus score with ours marked', () => {
    expect(formatCategories(report)).toMatch(/realTweets, θ from the others/);
    const table = formatComparison([comparisonRow(report), { detector: 'other', corpus: { standard: 99 }, realTweetsOwn: undefined, realTweetsHeldOut: undefined }], ['standard'], 'det');
    const lines = table.split('\n');
    expect(lines[1]).toMatch(/^ {2}other +99\.0/);
    expect(lines[2]).toMatch(/^> det +96\.3/);
  });
});

describe('snake', () => {
  it('turns NAB names into metric names', () => {
    expect(snake('realTweets')).toBe('real_tweets');
    expect(snake('realAWSCloudwatch')).toBe('real_awscloudwatch');
    expect(snake('reward_low_FP_rate')).toBe('reward_low_fp_rate');
  });
});
