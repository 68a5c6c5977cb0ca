/**
 * Batch scoring of any numeric `timestamp,value` series with the detector's own ServiceScorer, for
 * `npm run detect -- score`: the same baseline, evidence, calibration and levels, row by row.
 *
 * What a row is: one window of the series. Rows are scored in input order and every input row
 * gets exactly one output row, whatever its timestamp: repeated timestamps (a clock change that
 * wrote 03:00 twice) and rows out of order are rows like any other. The timestamp only says where
 * in the day and week a row falls (for the seasonal profiles), and the window length is the
 * series' interval, the first positive difference between consecutive timestamps. Rows before that
 * interval is known score 0 (there is nothing to compare them with) and are learnt once it is.
 *
 * Which model: values that are all non-negative integers are counts (the count model, whose tails
 * follow from counting); anything else (negative, fractional) is a metric (the Gaussian model of
 * metric-baseline.ts with a learnt variance, and a value outside every value the series has had
 * as evidence of its own: records.ts). `auto` runs both from the first row and answers with
 * the count model until the first value that is not a count, then with the metric model for good:
 * causal, and both have seen every row. `count` and `metric` force one. Direction: `both` (the
 * default here: a generic series can fail either way) or `up` (only rises, as for outage reports).
 *
 * The score: the event-level anomaly score (evidence.ts): a row that starts an anomaly episode,
 * or doubles its evidence with fresh evidence (its latest rows unusual on their own), carries
 * scoreFromEvidence(calibrated evidence); the rows that merely continue it carry 0. Strictly causal: a row's score depends only on the rows up to it.
 * There is no catalog prior (the series teaches its own level) and no minimum report count.
 *
 * Parsing says where: a line that is not "timestamp,value", a timestamp that is neither ISO 8601
 * nor epoch seconds / milliseconds, or a value that is not a finite number throws SeriesInputError
 * with the line number. Nothing else is refused.
 */
import { resolveDetectorConfig, type DeepPartial, type DetectorConfig } from '../core/config';
import { ServiceScorer, type Direction, type SeriesModel, type WindowVerdict } from '../core/scorer';

export class SeriesInputError extends Error {
  override readonly name = 'SeriesInputError';
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

export interface SeriesRow {
  line: number;
  /** The timestamp and value exactly as written, echoed to the output. */
  timestampText: string;
  valueText: string;
  at: number;
  value: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch milliseconds from ISO 8601 (no zone = UTC) or epoch seconds / milliseconds; undefined if neither. */
export function parseTimestamp(text: string): number | undefined {
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) return undefined;
    // 1e11 ms is 1973, 1e11 s is year 5138: numbers this large are milliseconds.
    return n >= 1e11 ? n : n * 1000;
  }
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const [, date, hm, sec, frac, zone] = m;
  let zoneText = zone === undefined ? 'Z' : zone.toUpperCase();
  if (zoneText !== 'Z') zoneText = zoneText.length === 3 ? `${zoneText}:00` : zoneText.includes(':') ? zoneText : `${zoneText.slice(0, 3)}:${zoneText.slice(3)}`;
  const iso = `${date}T${hm ?? '00:00'}:${sec ?? '00'}.${(frac ?? '0').padEnd(3, '0').slice(0, 3)}${zoneText}`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).trim() : f;
}

/** Reads a series line by line: header optional, blank lines ignored, every other line a row or an error. */
export class SeriesCsvReader {
  private sawData = false;
  private sawFirstLine = false;

  /** One input line (without its newline); returns the row, or undefined for a header or blank line. */
  push(rawLine: string, line: number): SeriesRow | undefined {
    const text = rawLine.replace(/\r$/, '').replace(/^\uFEFF/, '');
    if (text.trim() === '') return undefined;
    const fields = text.split(',').map(unquote);
    const first = !this.sawFirstLine;
    this.sawFirstLine = true;
    if (fields.length !== 2) {
      if (first && fields.length > 2 && !NUMBER.test(fields[1] ?? '')) return undefined; // a wider header
      throw new SeriesInputError(line, `expected 2 fields "timestamp,value", got ${fields.length}${fields.length === 1 && /[;\t]/.test(text) ? ' (the separator must be a comma)' : ''}`);
    }
    const [timestampText, valueText] = fields as [string, string];
    const at = parseTimestamp(timestampText);
    const isNumber = NUMBER.test(valueText);
    if (first && at === undefined && !isNumber) return undefined; // header
    if (at === undefined) throw new SeriesInputError(line, `timestamp "${timestampText}" is neither ISO 8601 nor epoch seconds or milliseconds`);
    if (!isNumber) throw new SeriesInputError(line, `value "${valueText}" is not a number`);
    const value = Number(valueText);
    if (!Number.isFinite(value)) throw new SeriesInputError(line, `value "${valueText}" is not a finite number`);
    this.sawData = true;
    return { line, timestampText, valueText, at, value };
  }

  get hasData(): boolean {
    return this.sawData;
  }
}

export type ModelChoice = 'auto' | SeriesModel;

export interface SeriesScorerOptions {
  model?: ModelChoice;
  direction?: Direction;
  config?: DeepPartial<DetectorConfig>;
}

const isCount = (v: number) => v >= 0 && Number.isInteger(v);

/** Scores rows one by one, causally, in the order given. */
export class SeriesScorer {
  private readonly config: DetectorConfig;
  private readonly choice: ModelChoice;
  private readonly direction: Direction;
  private count: ServiceScorer | undefined;
  private metric: ServiceScorer | undefined;
  /** Rows seen before the interval was known (scored 0, learnt once it is). */
  private pending: { at: number; value: number }[] = [];
  private lastAt: number | undefined;
  /** 'count' until a value that is not a count arrives (auto). */
  private current: SeriesModel;
  /** Interval (ms) once known: the first positive difference between consecutive timestamps. */
  intervalMs: number | undefined;

  constructor(options: SeriesScorerOptions = {}) {
    const overrides = options.config ?? {};
    this.config = resolveDetectorConfig({ ...overrides, levels: { minReports: 0, ...overrides.levels } });
    this.choice = options.model ?? 'auto';
    this.direction = options.direction ?? 'both';
    this.current = this.choice === 'metric' ? 'metric' : 'count';
  }

  /** The model that answers now. */
  get model(): SeriesModel {
    return this.current;
  }

  private scorers(): ServiceScorer[] {
    const out: ServiceScorer[] = [];
    if (this.count) out.push(this.count);
    if (this.metric) out.push(this.metric);
    return out;
  }

  /** Scores one row: the full verdict of the model that answers (undefined while the interval is unknown). */
  verdict(row: Pick<SeriesRow, 'at' | 'value'>): WindowVerdict | undefined {
    if (this.choice === 'auto' && this.current === 'count' && !isCount(row.value)) this.current = 'metric';
    if (this.intervalMs === undefined) {
      const gap = this.lastAt === undefined ? 0 : row.at - this.lastAt;
      this.lastAt = row.at;
      if (!(gap > 0)) {
        this.pending.push({ at: row.at, value: row.value });
        return undefined;
      }
      this.intervalMs = gap;
      const make = (model: SeriesModel) => new ServiceScorer({ windowMs: gap, priorPerMinute: undefined, config: this.config, model, direction: this.direction });
      if (this.choice !== 'metric') this.count = make('count');
      if (this.choice !== 'count') this.metric = make('metric');
      for (const p of this.pending) for (const s of this.scorers()) s.scoreWindow(p.at, p.value);
      this.pending = [];
    }
    let answer: WindowVerdict | undefined;
    for (const s of this.scorers()) {
      // A count model cannot take a negative or fractional value: once the series has shown one,
      // only the metric model answers (auto), and a forced count model sees its value floored at 0.
      if (s.model === 'count' && this.current === 'metric') continue;
      const v = s.scoreWindow(row.at, s.model === 'count' && !isCount(row.value) ? Math.max(0, Math.round(row.value)) : row.value);
      if (s.model === this.current) answer = v;
    }
    return answer;
  }

  /** The anomaly score of this row in [0, 1): event-level (see the module comment). */
  score(row: Pick<SeriesRow, 'at' | 'value'>): number {
    return this.verdict(row)?.eventScore ?? 0;
  }
}

/** Formats a score for the output column: 12 decimals, enough to tell 1e-40 from 1e-12 and far beyond. */
export function formatScore(score: number): string {
  if (score === 0) return '0';
  return score.toFixed(12).replace(/0+$/, '').replace(/\.$/, '');
}
