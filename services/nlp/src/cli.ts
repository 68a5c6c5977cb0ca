/**
 * `npm run nlp`: NDJSON posts on stdin ({"id", "text"} per line, optionally "at", "country",
 * "lang", "authorHash"), one NDJSON line per post on stdout: {"id", "signals": [...]}. A line that
 * is not a usable post gives {"line", "error"} on stderr and the run goes on; the exit code is 0,
 * so that anyone can pipe their own data through and see what downradar would count.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { createUnderstanding, type Understanding } from './understanding';

const EVENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const COUNTRY = /^[A-Z]{2}$/;

export interface CliStreams {
  input: Readable;
  output: Writable;
  errors: Writable;
  understanding?: Understanding;
  /** Processing time stamped on the signals as receivedAt; fixed in tests. */
  now?: () => number;
}

function describePostProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const post = value as Record<string, unknown>;
  if (typeof post.id !== 'string' || !EVENT_ID.test(post.id)) return 'id: expected a string of 1-128 characters from A-Z a-z 0-9 . _ : -';
  if (typeof post.text !== 'string' || post.text.length === 0) return 'text: expected a non-empty string';
  if (post.text.length > 5000) return 'text: longer than 5000 characters';
  if (post.at !== undefined && (typeof post.at !== 'number' || !Number.isInteger(post.at) || post.at < 0)) return 'at: expected epoch milliseconds';
  if (post.country !== undefined && (typeof post.country !== 'string' || !COUNTRY.test(post.country))) return 'country: expected ISO 3166-1 alpha-2, upper case';
  if (post.lang !== undefined && typeof post.lang !== 'string') return 'lang: expected a string';
  if (post.authorHash !== undefined && typeof post.authorHash !== 'string') return 'authorHash: expected a string';
  return null;
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** Runs the CLI over the given streams; returns how many posts were understood and how many lines refused. */
export async function runNlpCli(streams: CliStreams): Promise<{ posts: number; errors: number }> {
  const understanding = streams.understanding ?? createUnderstanding();
  const now = streams.now ?? Date.now;
  const lines = createInterface({ input: streams.input, crlfDelay: Infinity });
  let lineNumber = 0;
  let posts = 0;
  let errors = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors++;
      await write(streams.errors, `${JSON.stringify({ line: lineNumber, error: `not JSON: ${(error as Error).message}` })}\n`);
      continue;
    }
    const problem = describePostProblem(value);
    if (problem) {
      errors++;
      await write(streams.errors, `${JSON.stringify({ line: lineNumber, error: problem })}\n`);
      continue;
    }
    const post = value as { id: string; text: string; at?: number; country?: string; lang?: string; authorHash?: string };
    const signals = understanding.signalsForPost(post, now());
    posts++;
    await write(streams.output, `${JSON.stringify({ id: post.id, signals })}\n`);
  }
  return { posts, errors };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runNlpCli({ input: process.stdin, output: process.stdout, errors: process.stderr });
  process.exitCode = 0;
}
