/**
 * Batch scoring of a plain `timestamp,value` series with the detector's own ServiceScorer, for
 * `npm run detect -- score`: the same baseline, count model and score, row by row.
 *
 * Strictly causal: a row's score depends only on the rows up to it. The window length is the
 * interval between the first two rows (so any prefix of two rows or more infers the same one);
 * the first row is scored 0, because with no history there is nothing to compare it with, and is
 * learnt once the interval is known. There is no catalog prior: the series teaches its own level.
 * The absolute minimum counts of the live levels are switched off (a series is not necessarily
 * reports per minute); they only ever affected learning weights here, never the score.
 *
 * Parsing is strict and says where: a value that is not a number, a negative count, a timestamp
 * that is neither ISO 8601 nor epoch seconds / milliseconds, or rows out of order throw
 * SeriesInputError with the line number.
 */
import { resolveDetectorConfig, type DeepPartial, type DetectorConfig } from '../core/config';
import { ServiceScorer } from '../core/scorer';

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

/** Reads a series line by line: header optional, blank lines ignored, rows checked and ordered. */
export class SeriesCsvReader {
  private sawData = false;
  private sawFirstLine = false;
  private previous: SeriesRow | undefined;

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
    if (value < 0) throw new SeriesInputError(line, `value ${valueText} is negative: the value is the count in the row's interval`);
    const prev = this.previous;
    if (prev !== undefined && at <= prev.at) {
      throw new SeriesInputError(
        line,
        `timestamp "${timestampText}" is not after the previous row's "${prev.timestampText}" (line ${prev.line}): rows must be in increasing time order`,
      );
    }
    const row: SeriesRow = { line, timestampText, valueText, at, value };
    this.previous = row;
    this.sawData = true;
    return row;
  }

  get hasData(): boolean {
    return this.sawData;
  }
}

/** Scores rows one by one, causally. */
export class SeriesScorer {
  private scorer: ServiceScorer | undefined;
  private first: SeriesRow | undefined;
  private readonly config: DetectorConfig;
  /** Interval inferred from the first two rows (ms), once known. */
  intervalMs: number | undefined;

  constructor(overrides: DeepPartial<DetectorConfig> = {}) {
    this.config = resolveDetectorConfig({ ...overrides, levels: { minCountPerMinute: 0, dangerMinCountPerMinute: 0, ...overrides.levels } });
  }

  /** The anomaly score of this row in [0, 1]; rows must come in increasing time order. */
  score(row: Pick<SeriesRow, 'at' | 'value'>): number {
    if (this.first === undefined) {
      this.first = { line: 0, timestampText: '', valueText: '', ...row };
      return 0;
    }
    if (this.scorer === undefined) {
      this.intervalMs = row.at - this.first.at;
      this.scorer = new ServiceScorer({ windowMs: this.intervalMs, priorPerMinute: undefined, config: this.config });
      this.scorer.scoreWindow(this.first.at, this.first.value);
    }
    return this.scorer.scoreWindow(row.at, row.value).score;
  }
}

/** Formats a score for the output column. */
export function formatScore(score: number): string {
  return score.toFixed(6);
}
