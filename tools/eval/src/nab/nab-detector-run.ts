/**
 * Scores NAB data files with downradar's batch scoring, in this process, through the same
 * function `npm run detect -- score` runs (`scoreStream` of the detector's CLI: reader, scorer and
 * output format included), and writes NAB-format result files.
 *
 * A file the scorer refuses (it throws) is reported and scored 0 on every row, so that the corpus
 * figures stay comparable with NAB's (a refused file then counts its windows as missed).
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { scoreStream } from '@downradar/detector';
import { nabResultPath, type NabDataFile } from './nab-corpus';

export interface DetectorFileResult {
  scores: Float64Array;
  /** Why the detector refused the file; the scores are then all 0. */
  refused?: string;
  cpuMs: number;
}

class CollectingWritable extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    done();
  }
}

/** The anomaly_score column (the last field) of the CLI's output, one value per data row. */
export function scoresFromCliOutput(text: string, expectedRows: number): Float64Array {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = lines.shift();
  if (header === undefined || !header.endsWith('anomaly_score')) throw new Error(`the scorer's output has no anomaly_score header (got "${header}")`);
  if (lines.length !== expectedRows) throw new Error(`the scorer answered ${lines.length} rows for ${expectedRows} input rows`);
  const scores = new Float64Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const score = Number(line.slice(line.lastIndexOf(',') + 1));
    if (!Number.isFinite(score) || score < 0 || score > 1) throw new Error(`output row ${i + 1}: anomaly score "${line.slice(line.lastIndexOf(',') + 1)}" is not in [0, 1]`);
    scores[i] = score;
  }
  return scores;
}

export async function scoreWithDetector(file: NabDataFile): Promise<DetectorFileResult> {
  const cpu0 = process.cpuUsage();
  const sink = new CollectingWritable();
  const cpuMs = () => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1000;
  };
  try {
    await scoreStream(createReadStream(file.path), sink);
    return { scores: scoresFromCliOutput(sink.chunks.join(''), file.timestamps.length), cpuMs: cpuMs() };
  } catch (e) {
    const err = e as Error;
    return { scores: new Float64Array(file.timestamps.length), refused: `${err.name}: ${err.message}`, cpuMs: cpuMs() };
  }
}

/** NAB's result file: timestamp,value,anomaly_score,label (label 1 inside a window), one line per data row. */
export function nabResultCsv(file: NabDataFile, scores: ArrayLike<number>): string {
  const inWindow = new Uint8Array(file.timestamps.length);
  for (const w of file.windows) {
    // NAB's rows inside a window: from its first start row to its first end row.
    const a = file.timestamps.indexOf(w.start);
    const b = file.timestamps.indexOf(w.end);
    for (let i = a; i >= 0 && i <= b; i++) inWindow[i] = 1;
  }
  const out: string[] = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < file.timestamps.length; i++) out.push(`${file.timestampTexts[i]},${file.valueTexts[i]},${scores[i]},${inWindow[i]}`);
  return out.join('\n') + '\n';
}

export function writeNabResult(resultsDir: string, detector: string, file: NabDataFile, scores: ArrayLike<number>): string {
  const path = nabResultPath(resultsDir, detector, file.name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, nabResultCsv(file, scores));
  return path;
}
