/**
 * What one service's open window accumulates: the counts that are scored and the evidence that
 * explains the score (problems, countries, hashtags, sample posts), all bounded: 6 problems,
 * at most 676 two-letter countries, a Space-Saving hashtag counter of fixed capacity and a
 * fixed number of sample ids.
 */
import { PROBLEM_CATEGORIES, type ScoreEvent } from '../../../../schemas/events/index';
import { SpaceSaving, topGuaranteed, type SpaceSavingState } from './space-saving';

const PROBLEM_INDEX: Readonly<Record<string, number>> = Object.fromEntries(PROBLEM_CATEGORIES.map((p, i) => [p, i]));
const OTHER_INDEX = PROBLEM_INDEX.other!;

export function problemIndex(problem: string): number {
  const i = PROBLEM_INDEX[problem];
  return i === undefined ? OTHER_INDEX : i;
}

export interface ServiceWindowState {
  start: number;
  count: number;
  raw: number;
  problems: number[];
  countries: (string | number)[];
  hashtags: SpaceSavingState;
  samples: string[];
}

type KeyCount = { key: string; count: number };

function byCountThenKey(a: KeyCount, b: KeyCount): number {
  return b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export class ServiceWindow {
  count = 0;
  raw = 0;
  readonly problems: number[] = new Array<number>(PROBLEM_CATEGORIES.length).fill(0);
  readonly countries = new Map<string, number>();
  hashtags: SpaceSaving;
  readonly samples: string[] = [];

  constructor(
    public start: number,
    private readonly hashtagCapacity: number,
  ) {
    this.hashtags = new SpaceSaving(hashtagCapacity);
  }

  /** Counted signal: problem, country and (for posts) a sample id. */
  countSignal(problem: string, country: string | undefined, sampleId: string | undefined, maxSamples: number): void {
    this.count++;
    this.problems[problemIndex(problem)]!++;
    if (country !== undefined) this.countries.set(country, (this.countries.get(country) ?? 0) + 1);
    if (sampleId !== undefined && this.samples.length < maxSamples) this.samples.push(sampleId);
  }

  evidence(topK: number): ScoreEvent['evidence'] {
    const problems: KeyCount[] = [];
    this.problems.forEach((count, i) => {
      if (count > 0) problems.push({ key: PROBLEM_CATEGORIES[i]!, count });
    });
    problems.sort(byCountThenKey);
    const countries: KeyCount[] = [];
    for (const [key, count] of this.countries) countries.push({ key, count });
    countries.sort(byCountThenKey);
    return {
      problems: problems.slice(0, topK),
      countries: countries.slice(0, topK),
      hashtags: topGuaranteed(this.hashtags, topK).map((e) => ({ key: e.key, count: e.count - e.error })),
      samplePostIds: this.samples.slice(),
    };
  }

  toJSON(): ServiceWindowState {
    const countries: (string | number)[] = [];
    for (const [k, v] of this.countries) countries.push(k, v);
    return { start: this.start, count: this.count, raw: this.raw, problems: this.problems.slice(), countries, hashtags: this.hashtags.toJSON(), samples: this.samples.slice() };
  }

  static fromJSON(s: ServiceWindowState, hashtagCapacity: number): ServiceWindow {
    const w = new ServiceWindow(s.start, hashtagCapacity);
    w.count = s.count;
    w.raw = s.raw;
    s.problems.forEach((v, i) => (w.problems[i] = v));
    for (let i = 0; i + 1 < s.countries.length; i += 2) w.countries.set(s.countries[i] as string, s.countries[i + 1] as number);
    w.hashtags = SpaceSaving.fromJSON(hashtagCapacity, s.hashtags);
    w.samples.push(...s.samples);
    return w;
  }
}
