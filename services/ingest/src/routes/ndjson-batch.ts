/**
 * NDJSON batches (`POST /v1/reports/batch`, `/v1/posts/batch`, `/v1/events/batch`): each line is
 * checked on its own; good lines are stored together, bad ones come back as rejections with their
 * line, code, field and reason. `x-downradar-replay: 1` marks a historical replay (the 7-day lower
 * bound is lifted). The good lines' messages are handed to the producer in line order, and one
 * producer writes each partition in the order it is given (each partition on one idempotent kafkajs
 * producer with one request in flight): a batch reaches every partition in its lines' order.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Checked } from '@downradar/common';
import { HttpError } from '@downradar/common/http';
import { parseJsonStrict } from '../body';
import type { Pending } from '../produce';
import type { StepResult } from '../steps';
import type { RouteContext } from './context';

interface LineRejection {
  line: number;
  code: string;
  field: string;
  reason: string;
}

/** The kind a batch's events count as in the metrics: one for the whole route, or per event. */
export type BatchKind<T> = 'report' | 'post' | { of(e: T): 'report' | 'post'; rejected: string };

/** A line taken as it is: for a route whose step checks the line's shape itself. */
export const anyLine = (value: unknown): Checked<unknown> => ({ ok: true, value });

/**
 * A batch route: each line is checked against the body schema (`check`, a failure is BAD_FIELD),
 * then shaped by the same step the single-event route uses (`toEvent`).
 */
export function batchRoute<I, T>(
  ctx: RouteContext,
  kind: BatchKind<T>,
  check: (value: unknown) => Checked<I>,
  toEvent: (input: I, t: number, replay: boolean) => StepResult<T>,
  idOf: (e: T) => string,
  /** The event's messages, stored under `id` (idOf's). */
  messagesOf: (e: T, id: string) => Pending,
) {
  const { options, recent, metrics } = ctx;
  const kindOf = typeof kind === 'string' ? () => kind : kind.of;
  const rejectedKind = typeof kind === 'string' ? kind : kind.rejected;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (typeof req.body !== 'string') throw new HttpError(415, 'UNSUPPORTED_CONTENT_TYPE', 'batches are NDJSON: content-type application/x-ndjson', 'content-type');
    const lines = req.body.split('\n');
    if (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
    if (lines.length > options.batchMaxLines) throw new HttpError(413, 'TOO_MANY_LINES', `a batch holds at most ${options.batchMaxLines} lines (got ${lines.length})`, '(body)');
    const t = ctx.now();
    const replay = req.headers['x-downradar-replay'] === '1' || req.headers['x-downradar-replay'] === 'true';
    const rejections: LineRejection[] = [];
    const events: Pending[] = [];
    const seenInBatch = new Set<string>();
    const acceptedByKind = { report: 0, post: 0 };
    const duplicatesByKind = { report: 0, post: 0 };
    let dup = 0;
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!.trim();
      if (text === '') {
        rejections.push({ line: i + 1, code: 'EMPTY_LINE', field: '(line)', reason: 'is empty' });
        continue;
      }
      let value: unknown;
      try {
        value = parseJsonStrict(text, '(line)');
      } catch (err) {
        const e = err as HttpError;
        rejections.push({ line: i + 1, code: e.code, field: '(line)', reason: e.message.replace(/^\(line\) /, '') });
        continue;
      }
      let r: StepResult<T>;
      if (check === anyLine) r = toEvent(value as I, t, replay);
      else {
        const c = check(value);
        r = c.ok ? toEvent(c.value, t, replay) : { ok: false, code: 'BAD_FIELD', field: c.field, reason: c.reason };
      }
      if (!r.ok) {
        rejections.push({ line: i + 1, code: r.code, field: r.field, reason: r.reason });
        metrics.rejected.inc({ kind: rejectedKind, code: r.code });
        continue;
      }
      const id = idOf(r.value);
      if (recent.has(id) || seenInBatch.has(id)) {
        dup++;
        duplicatesByKind[kindOf(r.value)]++;
        continue;
      }
      seenInBatch.add(id);
      acceptedByKind[kindOf(r.value)]++;
      events.push(messagesOf(r.value, id));
    }
    // Counted before waiting: nothing here refers to the events while Kafka acknowledges them,
    // so the lines and the events' objects need not outlive the hand-over to the producer.
    const accepted = events.length;
    await ctx.produce.store(events);
    for (const k of ['report', 'post'] as const) {
      if (acceptedByKind[k]) metrics.accepted.inc({ kind: k }, acceptedByKind[k]);
      if (duplicatesByKind[k]) metrics.duplicates.inc({ kind: k }, duplicatesByKind[k]);
    }
    return reply.status(202).send({ accepted, duplicates: dup, rejected: rejections.length, rejections: rejections.slice(0, 1000) });
  };
}
