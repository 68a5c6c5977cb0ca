import { createHash, randomUUID } from 'node:crypto';
import { reportEvent } from '@downradar/common/report-event';
import { CONTROL_CHARACTERS, checkEventTime, postEvent } from '@downradar/common/post-event';
import type { PostEvent, PostInput, ReportEvent, ReportInput } from '../../../schemas/events/index';

/**
 * The write path as small pure steps, each returning a result instead of throwing on bad data
 * (after PostHog's pipelines): `ok` with the event, or `reject` with a code, the field and the
 * reason. HTTP routes turn a reject into a 4xx; batch routes into a per-line rejection.
 */
export type StepResult<T> = { ok: true; value: T } | { ok: false; code: string; field: string; reason: string };

export const reject = (code: string, field: string, reason: string): StepResult<never> => ({ ok: false, code, field, reason });

export interface ServiceLookup {
  /** Problem categories a service's report button offers, or undefined for an unknown service. */
  problemsOf(serviceId: string): readonly string[] | undefined;
}

export interface ReportContext {
  now: number;
  services: ServiceLookup;
  hashReporter(id: string): string;
  source: string;
  replay?: boolean;
}

/**
 * Event times may be at most 5 minutes ahead and 7 days back (the rule lives in common's
 * post-event.ts, shared with the live sources).
 */
export const checkTime = checkEventTime;

const CONTROL = CONTROL_CHARACTERS;

/** A stable id for a report sent without one: a retried identical report maps to the same id. */
export function derivedReportId(input: ReportInput, at: number): string {
  const h = createHash('sha256')
    .update(`${input.serviceId}\u0001${input.reporterId}\u0001${input.problem}\u0001${at}\u0001${input.text ?? ''}\u0001${input.country ?? ''}`)
    .digest('base64url');
  return `r-${h.slice(0, 24)}`;
}

export function toReportEvent(input: ReportInput, ctx: ReportContext): StepResult<ReportEvent> {
  const problems = ctx.services.problemsOf(input.serviceId);
  if (!problems) return reject('UNKNOWN_SERVICE', 'serviceId', `"${input.serviceId}" is not a service in the catalog`);
  if (input.problem !== 'other' && !problems.includes(input.problem))
    return reject('UNKNOWN_PROBLEM', 'problem', `"${input.problem}" is not a problem type of ${input.serviceId} (one of ${[...problems, 'other'].join(', ')})`);
  if (input.text !== undefined && CONTROL.test(input.text)) return reject('BAD_TEXT', 'text', 'contains control characters');
  if (CONTROL.test(input.reporterId)) return reject('BAD_TEXT', 'reporterId', 'contains control characters');
  const at = checkTime(input.at, ctx.now, 'at', ctx.replay);
  if (!at.ok) return at;
  const decided = { ...input, id: input.id ?? derivedReportId(input, at.value), at: at.value };
  return { ok: true, value: reportEvent(decided, { receivedAt: ctx.now, source: ctx.source, hashReporter: ctx.hashReporter }) };
}

export function toPostEvent(input: PostInput, now: number, replay = false): StepResult<PostEvent> {
  return postEvent(input, now, replay);
}

export const newId = () => randomUUID();
