/**
 * The batch CLI as users run it: spawned as a process, files and pipes, exit codes and messages.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diurnal, poisson, seededRandom } from '../testing/simulate';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function runCli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

function makeSeries(n: number): string {
  const rand = seededRandom(77);
  const t0 = Date.UTC(2021, 9, 1);
  const lines = ['timestamp,value'];
  for (let i = 0; i < n; i++) {
    const at = t0 + i * 300_000;
    const spike = i >= n - 40 && i < n - 34 ? 15 : 1;
    lines.push(`${new Date(at).toISOString()},${poisson(rand, 6 * diurnal(at) * spike)}`);
  }
  return `${lines.join('\n')}\n`;
}

const parse = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

describe('npm run detect -- score', () => {
  const dir = mkdtempSync(join(tmpdir(), 'downradar-detect-'));
  const input = makeSeries(1500);

  it('scores a file into a file: same rows, a score in [0, 1] each, high on the spike', async () => {
    writeFileSync(join(dir, 'series.csv'), input);
    const r = await runCli(['score', '--in', join(dir, 'series.csv'), '--out', join(dir, 'scored.csv')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1500 rows scored');
    const out = readFileSync(join(dir, 'scored.csv'), 'utf8');
    expect(out.split('\n')[0]).toBe('timestamp,value,anomaly_score');
    const rows = parse(out);
    const inRows = parse(input);
    expect(rows.map((r) => r.slice(0, 2))).toEqual(inRows);
    const scores = rows.map((r) => Number(r[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(Math.max(...scores.slice(-40, -34))).toBeGreaterThan(0.6);
  });

  it('reads stdin and writes stdout; any prefix gives the same scores for its rows (strictly causal)', async () => {
    const full = parse((await runCli(['score'], input)).stdout);
    const lines = input.trim().split('\n');
    for (const n of [2, 3, 700, 1466]) {
      const prefix = parse((await runCli(['score'], `${lines.slice(0, n + 1).join('\n')}\n`)).stdout);
      expect(prefix).toEqual(full.slice(0, n));
    }
  });

  it('accepts epoch seconds without a header', async () => {
    const r = await runCli(['score'], '1633046400,3\n1633046460,5\n1633046520,4\n');
    expect(r.code).toBe(0);
    expect(parse(r.stdout).map((x) => x[0])).toEqual(['1633046400', '1633046460', '1633046520']);
  });

  it('fails on bad input with a message naming the line, and leaves no partial output', async () => {
    const out = join(dir, 'bad.csv');
    writeFileSync(join(dir, 'bad-in.csv'), 'timestamp,value\n2021-10-04T15:00:00Z,3\n2021-10-04T15:01:00Z,three\n');
    const r = await runCli(['score', '--in', join(dir, 'bad-in.csv'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad-in.csv, line 3: value "three" is not a number');
    expect(existsSync(out)).toBe(false);
    const badTime = await runCli(['score'], '2021-10-04T15:01:00Z,3\nlater,4\n');
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toContain('stdin, line 2: timestamp "later" is neither ISO 8601 nor epoch');
  });

  it('takes any numeric series: negative, fractional, repeated and unordered rows, one output row per input row in order', async () => {
    const text = 'timestamp,value\n2021-10-04T15:00:00Z,-1.5\n2021-10-04T15:05:00Z,2.25\n2021-10-04T15:05:00Z,2\n2021-10-04T15:02:00Z,-0.5\n2021-10-04T15:10:00Z,1e3\n';
    const r = await runCli(['score', '--model', 'metric', '--direction', 'both'], text);
    expect(r.code, r.stderr).toBe(0);
    const rows = parse(r.stdout);
    expect(rows.map((x) => x.slice(0, 2))).toEqual(parse(text));
    expect(rows.every((x) => Number(x[2]) >= 0 && Number(x[2]) < 1)).toBe(true);
    const bad = await runCli(['score', '--model', 'poisson']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--model must be one of auto, count, metric, got "poisson"');
  });

  it('explains its usage', async () => {
    const bad = await runCli(['score', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown option "--bogus"');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('timestamp,value,anomaly_score');
  });

  it('is what `npm run detect` runs', async () => {
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('npm', ['run', '-s', 'detect', '--', 'score', '--in', join(dir, 'series.csv')], { cwd: ROOT, maxBuffer: 1 << 24 }, (e, stdout) =>
        resolve({ code: e ? 1 : 0, stdout }),
      ),
    );
    expect(r.code).toBe(0);
    expect(parse(r.stdout)).toHaveLength(1500);
  });
});
