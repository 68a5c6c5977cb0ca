/**
 * downradar detector CLI.
 *
 *   npm run detect -- score [--in series.csv] [--out scored.csv] [--model auto|count|metric] [--direction both|up]
 *
 * Reads `timestamp,value` (header optional; ISO 8601 or epoch seconds / milliseconds; any numeric
 * value: counts, negative or fractional metrics; repeated or out-of-order timestamps are rows like
 * any other), writes `timestamp,value,anomaly_score`, one output row per input row in input order,
 * with the event-level score in [0, 1) of core/series.ts, strictly causally (a row's score depends
 * only on the rows up to it). Without --in it reads stdin, without --out it writes stdout. It
 * streams: memory does not grow with the length of the series.
 *
 * Exit codes: 0 ok, 1 bad input (the message names the line), 2 bad usage.
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Direction } from '../core/scorer';
import { formatScore, SeriesCsvReader, SeriesInputError, SeriesScorer, type ModelChoice, type SeriesScorerOptions } from './series';

const USAGE = `usage: npm run detect -- score [--in series.csv] [--out scored.csv] [--model auto|count|metric] [--direction both|up]

  Scores a numeric time series with the downradar detector.
  input:  timestamp,value          (header optional; ISO 8601 or epoch s/ms; one row per interval;
                                    any number; repeated or unordered timestamps are accepted)
  output: timestamp,value,anomaly_score   (one row per input row, in order; score in [0, 1),
                                    event-level: a row that starts an anomaly, or doubles it with
                                    its latest rows unusual, carries its calibrated evidence E as
                                    E / (E + 10), the rest 0; causal)
  --in / --out       default to stdin / stdout
  --model            auto (default: counts while every value is a non-negative integer, then a
                     metric model), count or metric
  --direction        both (default: rises and falls) or up (only rises, as for outage reports)`;

class UsageError extends Error {}

interface ScoreArgs {
  in?: string;
  out?: string;
  model?: ModelChoice;
  direction?: Direction;
}

const CHOICES: Record<string, readonly string[]> = { '--model': ['auto', 'count', 'metric'], '--direction': ['both', 'up'] };

function parseArgs(argv: string[]): { command: 'score'; args: ScoreArgs } | { command: 'help' } {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command !== 'score') throw new UsageError(`unknown command "${command}"`);
  const args: ScoreArgs = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--help' || a === '-h') return { command: 'help' };
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag !== '--in' && flag !== '--out' && CHOICES[flag] === undefined) throw new UsageError(`unknown option "${a}"`);
    const value = inline ?? rest[++i];
    const choices = CHOICES[flag];
    if (choices !== undefined) {
      if (value === undefined || !choices.includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}${value === undefined ? '' : `, got "${value}"`}`);
      if (flag === '--model') args.model = value as ModelChoice;
      else args.direction = value as Direction;
      continue;
    }
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a file name`);
    args[flag === '--in' ? 'in' : 'out'] = value;
  }
  return { command: 'score', args };
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Streams the series through the scorer. Exported for in-process use. */
export async function scoreStream(input: NodeJS.ReadableStream, output: Writable, options: SeriesScorerOptions = {}): Promise<{ rows: number; model: string }> {
  const reader = new SeriesCsvReader();
  const scorer = new SeriesScorer(options);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let rows = 0;
  let buffer = 'timestamp,value,anomaly_score\n';
  for await (const line of lines) {
    lineNo++;
    const row = reader.push(line, lineNo);
    if (row === undefined) continue;
    rows++;
    buffer += `${row.timestampText},${row.valueText},${formatScore(scorer.score(row))}\n`;
    if (buffer.length > 65536) {
      await write(output, buffer);
      buffer = '';
    }
  }
  await write(output, buffer);
  return { rows, model: scorer.model };
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`detect: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { args } = parsed;
  const input = args.in === undefined ? process.stdin : createReadStream(args.in);
  const output = args.out === undefined ? process.stdout : createWriteStream(args.out);
  const name = args.in ?? 'stdin';
  try {
    const opened = args.in === undefined ? Promise.resolve() : once(input as NodeJS.EventEmitter, 'open');
    await opened;
    const options: SeriesScorerOptions = {};
    if (args.model !== undefined) options.model = args.model;
    if (args.direction !== undefined) options.direction = args.direction;
    const { rows, model } = await scoreStream(input, output, options);
    if (args.out !== undefined) {
      output.end();
      await once(output, 'finish');
      process.stderr.write(`detect score: ${rows} rows scored from ${name} into ${args.out} (${model} model)\n`);
    }
    return 0;
  } catch (e) {
    if (args.out !== undefined) {
      output.destroy();
      rmSync(args.out, { force: true });
    }
    if (e instanceof SeriesInputError) {
      process.stderr.write(`detect score: ${name}, ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') {
      process.stderr.write(`detect score: cannot read ${name}: ${err.message}\n`);
      return 1;
    }
    throw e;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`detect: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
