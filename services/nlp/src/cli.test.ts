import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable } from 'node:stream';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { SignalEvent } from '../../../schemas/events/index';
import { runNlpCli } from './cli';

const CLI_PATH = fileURLToPath(new URL('./cli.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const INPUT = [
  JSON.stringify({ id: 'p1', text: 'is facebook down?? #FacebookDown' }),
  'this is not json',
  JSON.stringify({ id: 'p2', text: "I'm down for pizza" }),
  JSON.stringify({ text: 'no id here' }),
  '',
  JSON.stringify({ id: 'p3', text: 'whatsapp messages not sending', country: 'BR', at: 1_633_362_240_000 }),
  JSON.stringify({ id: 'bad id with spaces', text: 'x' }),
].join('\n');

/** Runs the real CLI as `npm run nlp` does (tsx), feeding it stdin. */
function runCliProcess(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_PATH], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('nlp CLI', () => {
  it('writes one line per post, reports bad lines on stderr and exits 0', async () => {
    const { code, stdout, stderr } = await runCliProcess(INPUT);
    expect(code).toBe(0);
    const out = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; signals: SignalEvent[] });
    expect(out.map((o) => o.id)).toEqual(['p1', 'p2', 'p3']);
    expect(out[0]!.signals).toEqual([expect.objectContaining({ id: 'p1:facebook', serviceId: 'facebook', kind: 'hashtag', outage: true })]);
    expect(out[1]!.signals).toEqual([]);
    expect(out[2]!.signals).toEqual([expect.objectContaining({ serviceId: 'whatsapp', outage: true, problem: 'messaging', country: 'BR', at: 1_633_362_240_000 })]);
    for (const o of out) for (const s of o.signals) expect(Value.Check(SignalEvent, s)).toBe(true);
    const errors = stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { line: number; error: string });
    expect(errors.map((e) => e.line)).toEqual([2, 4, 7]);
    expect(errors[0]!.error).toMatch(/^not JSON/);
    expect(errors[1]!.error).toMatch(/^id:/);
    expect(errors[2]!.error).toMatch(/^id:/);
  }, 60_000);

  it('runs in-process over any streams, with a fixed clock', async () => {
    const output = new PassThrough();
    const errors = new PassThrough();
    let out = '';
    let err = '';
    output.on('data', (d: Buffer) => (out += d.toString()));
    errors.on('data', (d: Buffer) => (err += d.toString()));
    const result = await runNlpCli({ input: Readable.from([INPUT]), output, errors, now: () => 42 });
    expect(result).toEqual({ posts: 3, errors: 3 });
    const first = JSON.parse(out.split('\n')[0]!) as { signals: SignalEvent[] };
    expect(first.signals[0]).toMatchObject({ receivedAt: 42, at: 42 });
    expect(err.split('\n').filter(Boolean)).toHaveLength(3);
  });
});
