/**
 * Shared by every benchmark, the evaluation (tools/eval) and the fault drills: the median of
 * repeated runs, and the result file bench/results/<name>.json = {"name", "at", "metrics": {"<snake_case_with_unit>": number}}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'results');

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface BenchResult {
  name: string;
  at: string;
  metrics: Record<string, number>;
}

/** Write bench/results/<name>.json and print the figures; returns the path. */
export function writeResult(name: string, metrics: Record<string, number>, dir = RESULTS_DIR): string {
  for (const [k, v] of Object.entries(metrics)) {
    if (!/^[a-z0-9_]+$/.test(k)) throw new Error(`metric names are snake_case with the unit: ${k}`);
    if (!Number.isFinite(v)) throw new Error(`metric ${k} is not a finite number: ${v}`);
  }
  const result: BenchResult = { name, at: new Date().toISOString(), metrics };
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  console.log(`${name}:`);
  for (const [k, v] of Object.entries(metrics)) console.log(`  ${k.padEnd(34)} ${v}`);
  console.log(`  -> ${path}`);
  return path;
}
