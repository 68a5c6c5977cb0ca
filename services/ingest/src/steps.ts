import { createHash, randomUUID } from 'node:crypto';
import { compileValidator } from '@downradar/common';
import { reportEvent, reportEventOf, type ReportShaping } from '@downradar/common/report-event';
import { CONTROL_CHARACTERS, MAX_AHEAD_MS, MAX_BACK_MS, checkEventTime, postEvent } from '@downradar/common/post-event';
import { PROBLEM_CATEGORIES, PostInput, ReportInput, SLUG_PATTERN, EVENT_ID_PATTERN, COUNTRY_PATTERN, LANG_PATTERN, POST_SOURCE_PATTERN, type PostEvent, type ReportEvent } from '../../../schemas/events/index';

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

/**
 * A batch line's report (the parsed JSON value) checked against ReportInput and shaped, as the
 * schema check (ajv) then toReportEvent do it, and with the same rejection for a bad line. Most
 * lines are plainly good: for them one pass over the value checks what the schema and
 * toReportEvent check and shapes the event, without ajv's walk or the intermediate object (in a
 * profile of NDJSON batches ajv, the copy of the input and the context object of every line were
 * a visible part of a report's CPU). A line the pass is not sure of takes the general way, whose
 * checks then give the rejection: a line is accepted exactly when the general way accepts it, as
 * the same event (report-line.test.ts compares the two over many drawn good and bad lines).
 */
export function reportLineStep(ctx: { services: ServiceLookup; hashReporter(id: string): string }) {
  const checkInput = compileValidator(ReportInput);
  const plain = plainReportEvent(ctx);
  return (value: unknown, t: number, replay: boolean): StepResult<ReportEvent> => {
    const ev = plain(value, t, replay);
    if (ev) return { ok: true, value: ev };
    const c = checkInput(value);
    if (!c.ok) return reject('BAD_FIELD', c.field, c.reason);
    return toReportEvent(c.value, { now: t, services: ctx.services, hashReporter: ctx.hashReporter, source: replay ? 'replay' : 'api', replay });
  };
}

// ReportInput's rules, for the one pass (schemas/events/index.ts: EventId, Slug, Country, EpochMs).
const EVENT_ID = new RegExp(EVENT_ID_PATTERN);
const SLUG = new RegExp(SLUG_PATTERN);
const COUNTRY = new RegExp(COUNTRY_PATTERN);
const PROBLEMS: ReadonlySet<unknown> = new Set(PROBLEM_CATEGORIES);
const MAX_EPOCH_MS = 8_640_000_000_000_000;

/**
 * The event of a report value that passes every check of ReportInput and toReportEvent, or
 * undefined when any might fail (the caller then takes the general way). Lengths are compared in
 * UTF-16 units, which never undercount the code points the schema limits: a text that could be
 * too long goes the general way.
 */
export function plainReportEvent(ctx: { services: ServiceLookup; hashReporter(id: string): string }) {
  // The shaping of one request's lines (one `now`): kept while `now` and `replay` stay the same.
  let how: ReportShaping = { receivedAt: NaN, source: 'api', hashReporter: ctx.hashReporter };
  return (value: unknown, now: number, replay: boolean): ReportEvent | undefined => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    for (const k in value) if (k !== 'id' && k !== 'serviceId' && k !== 'problem' && k !== 'text' && k !== 'country' && k !== 'at' && k !== 'reporterId') return undefined;
    const { id, serviceId, problem, text, country, at, reporterId } = value as Record<string, unknown>;
    if (id !== undefined && (typeof id !== 'string' || id.length > 128 || !EVENT_ID.test(id))) return undefined;
    if (typeof serviceId !== 'string' || !SLUG.test(serviceId)) return undefined;
    if (!PROBLEMS.has(problem)) return undefined;
    if (text !== undefined && (typeof text !== 'string' || text.length > 500 || CONTROL.test(text))) return undefined;
    if (country !== undefined && (typeof country !== 'string' || !COUNTRY.test(country))) return undefined;
    if (at !== undefined && (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at > MAX_EPOCH_MS)) return undefined;
    if (typeof reporterId !== 'string' || reporterId.length === 0 || reporterId.length > 200 || CONTROL.test(reporterId)) return undefined;
    const problems = ctx.services.problemsOf(serviceId);
    if (!problems || (problem !== 'other' && !problems.includes(problem as string))) return undefined;
    // checkEventTime's rule (a time it refuses goes the general way, which gives the rejection)
    if (at !== undefined && (at > now + MAX_AHEAD_MS || (!replay && at < now - MAX_BACK_MS))) return undefined;
    const time = at ?? now;
    const input = value as ReportInput;
    if (how.receivedAt !== now || how.source !== (replay ? 'replay' : 'api')) how = { receivedAt: now, source: replay ? 'replay' : 'api', hashReporter: ctx.hashReporter };
    return reportEventOf((id as string | undefined) ?? derivedReportId(input, time), serviceId, input.problem, time, reporterId, text as string | undefined, country as string | undefined, how);
  };
}

export function toPostEvent(input: PostInput, now: number, replay = false): StepResult<PostEvent> {
  return postEvent(input, now, replay);
}

/**
 * A batch line's post (the parsed JSON value) checked against PostInput and shaped, as the schema
 * check (ajv) then toPostEvent do it, with the same rejection for a bad line (`BAD_FIELD` with
 * ajv's field and reason, or toPostEvent's). A plainly good post (nearly every one) is checked in
 * one pass by plainPostEvent instead of ajv's walk; any other goes the general way, whose checks
 * then give the rejection (post-line.test.ts compares the two over many drawn lines).
 */
export function postLineStep() {
  const checkInput = compileValidator(PostInput);
  return (value: unknown, t: number, replay: boolean): StepResult<PostEvent> => {
    const ev = plainPostEvent(value, t, replay);
    if (ev) return { ok: true, value: ev };
    const c = checkInput(value);
    if (!c.ok) return reject('BAD_FIELD', c.field, c.reason);
    return toPostEvent(c.value, t, replay);
  };
}

const LANG = new RegExp(LANG_PATTERN);
const POST_SOURCE = new RegExp(POST_SOURCE_PATTERN);

/** An optional EventId (replyTo, repostOf): absent, or 1-128 characters of the id pattern. */
const plainOptionalId = (v: unknown): boolean => v === undefined || (typeof v === 'string' && v.length <= 128 && EVENT_ID.test(v));

/**
 * The PostEvent of a post value that passes every check of PostInput and toPostEvent, or
 * undefined when any might fail (the caller then takes the general way). The event is a copy of the
 * value's own keys in its order, then receivedAt: what toPostEvent's spread makes. Lengths are compared in
 * UTF-16 units, which never undercount the code points the schema limits: a text that could be too
 * long goes the general way.
 */
export function plainPostEvent(value: unknown, now: number, replay: boolean): PostEvent | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const k in value)
    if (k !== 'id' && k !== 'at' && k !== 'text' && k !== 'lang' && k !== 'source' && k !== 'authorHash' && k !== 'country' && k !== 'replyTo' && k !== 'repostOf') return undefined;
  const { id, at, text, lang, source, authorHash, country, replyTo, repostOf } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length > 128 || !EVENT_ID.test(id)) return undefined;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at > MAX_EPOCH_MS) return undefined;
  if (typeof text !== 'string' || text.length === 0 || text.length > 5000 || CONTROL.test(text)) return undefined;
  if (lang !== undefined && (typeof lang !== 'string' || !LANG.test(lang))) return undefined;
  if (typeof source !== 'string' || !POST_SOURCE.test(source)) return undefined;
  if (typeof authorHash !== 'string' || authorHash.length === 0 || authorHash.length > 128 || CONTROL.test(authorHash)) return undefined;
  if (country !== undefined && (typeof country !== 'string' || !COUNTRY.test(country))) return undefined;
  if (!plainOptionalId(replyTo) || !plainOptionalId(repostOf)) return undefined;
  // checkEventTime's rule (a time it refuses goes the general way, which gives the rejection)
  if (at > now + MAX_AHEAD_MS || (!replay && at < now - MAX_BACK_MS)) return undefined;
  // Object.assign copies the same own keys in the same order as toPostEvent's spread (every key
  // here is one of PostInput's, so no setter is met), at about a third of its cost on the day's
  // posts (the spread of a parsed line's object was 1.5-2.7 µs a post).
  const ev = Object.assign({}, value as PostInput) as PostEvent;
  ev.receivedAt = now;
  return ev;
}

export const newId = () => randomUUID();
