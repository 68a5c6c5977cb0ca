/**
 * A current ClickHouse engine for tests, in process through chDB (PyPI `chdb-core`, pinned in
 * tests/sql/requirements.txt, installed by infra/setup.sh into .data/chdb-venv). One call runs
 * a list of steps in one fresh chDB session (chdb-runner.py) and returns every query's rows or
 * error.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { repoRoot } from '@downradar/common';

export type ChdbStep =
  | { kind: 'command'; sql: string }
  | { kind: 'insert'; table: string; rows: object[] }
  | { kind: 'query'; name: string; sql: string };

export interface ChdbRun {
  /** The engine's version() (26.9.x for chdb-core 26.9.0). */
  version: string;
  results: Record<string, { rows: Record<string, unknown>[] } | { error: string }>;
}

export const chdbVenv = process.env.DOWNRADAR_CHDB_VENV ?? `${repoRoot}/.data/chdb-venv`;
export const chdbPin = readFileSync(`${repoRoot}/tests/sql/requirements.txt`, 'utf8').trim();

export function chdbPython(): string {
  const python = `${chdbVenv}/bin/python`;
  if (!existsSync(python)) throw new Error(`no chDB virtual environment at ${chdbVenv}: run bash infra/setup.sh (it installs ${chdbPin} from PyPI)`);
  return python;
}

export async function runOnChdb(steps: ChdbStep[], timeoutMs = 300_000): Promise<ChdbRun> {
  const child = spawn(chdbPython(), [`${repoRoot}/tests/sql/chdb-runner.py`], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.stdin.end(JSON.stringify({ steps }));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`chdb-runner.py exited with ${code}:\n${stderr}`);
  return JSON.parse(stdout) as ChdbRun;
}
