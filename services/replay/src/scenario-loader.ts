import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Scenario, Labels } from '../../../schemas/scenario/index';

/** services/replay/scenarios: where shipped scenarios and their labels live. */
export const SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/** A scenario that cannot be used; `field` names where, as a dotted path ("incidents[0].start"). */
export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly file?: string,
  ) {
    super(`${file ? `${basename(file)}: ` : ''}${field || '(scenario)'}: ${reason}`);
    this.name = 'ScenarioError';
  }
}

/** "/incidents/0/services/1/rampMinutes" -> "incidents[0].services[1].rampMinutes" */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out ? `.${key}` : key;
  }
  return out;
}

const ISO_MINUTE = /:00(\.0{1,3})?Z$|T\d{2}:\d{2}Z$/;

export function parseUtc(value: string, field: string, file?: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ScenarioError(field, `"${value}" is not a valid UTC time`, file);
  return ms;
}

function sumWeights(record: Record<string, number | undefined> | undefined): number {
  if (!record) return 0;
  let s = 0;
  for (const v of Object.values(record)) s += v ?? 0;
  return s;
}

/**
 * Validate a parsed scenario: the schema first (first few errors, each naming its field), then
 * the rules a schema cannot say (times in order, references resolve, exactly one amplitude, ...).
 * Throws ScenarioError; returns the value typed.
 */
export function parseScenario(value: unknown, file?: string): Scenario {
  if (!Value.Check(Scenario, value)) {
    const errors = [...Value.Errors(Scenario, value)].slice(0, 5);
    const first = errors[0];
    const more = errors.slice(1).map((e) => `${pointerToPath(e.path) || '(scenario)'}: ${e.message}`);
    throw new ScenarioError(
      first ? pointerToPath(first.path) : '',
      `${first?.message ?? 'invalid'}${more.length ? ` (also: ${more.join('; ')})` : ''}`,
      file,
    );
  }
  const s = value;
  const fail = (field: string, reason: string): never => {
    throw new ScenarioError(field, reason, file);
  };

  const start = parseUtc(s.start, 'start', file);
  const end = parseUtc(s.end, 'end', file);
  if (!ISO_MINUTE.test(s.start)) fail('start', 'must be on a whole minute');
  if (!ISO_MINUTE.test(s.end)) fail('end', 'must be on a whole minute');
  if (end <= start) fail('end', `must be after start (${s.start})`);

  if (sumWeights(s.defaults.countries) <= 0) fail('defaults.countries', 'needs at least one positive weight');
  if (sumWeights(s.defaults.problems) <= 0) fail('defaults.problems', 'needs at least one positive weight');

  const serviceIds = new Set<string>();
  s.services.forEach((svc, i) => {
    const at = `services[${i}]`;
    if (serviceIds.has(svc.id)) fail(`${at}.id`, `duplicate service id "${svc.id}"`);
    serviceIds.add(svc.id);
    if (!s.profiles[svc.profile]) fail(`${at}.profile`, `unknown profile "${svc.profile}" (known: ${Object.keys(s.profiles).join(', ')})`);
    if (svc.countries && sumWeights(svc.countries) <= 0) fail(`${at}.countries`, 'needs at least one positive weight');
    if (svc.problems && sumWeights(svc.problems) <= 0) fail(`${at}.problems`, 'needs at least one positive weight');
    if (svc.timezones && svc.timezones.reduce((a, t) => a + t.weight, 0) <= 0) fail(`${at}.timezones`, 'needs a positive weight');
  });
  if (s.defaults.timezones.reduce((a, t) => a + t.weight, 0) <= 0) fail('defaults.timezones', 'needs a positive weight');
  for (const [name, p] of Object.entries(s.profiles)) {
    if (p.hourOfDay.every((v) => v === 0)) fail(`profiles.${name}.hourOfDay`, 'is all zero');
    if (p.dayOfWeek.every((v) => v === 0)) fail(`profiles.${name}.dayOfWeek`, 'is all zero');
  }

  const knownService = (id: string | undefined, field: string) => {
    if (id !== undefined && !serviceIds.has(id)) fail(field, `unknown service "${id}": list it under services first`);
  };
  const inSpan = (ms: number, field: string) => {
    if (ms < start || ms >= end) fail(field, `must lie within the scenario (${s.start} .. ${s.end})`);
  };

  const incidentIds = new Set<string>();
  s.incidents.forEach((inc, i) => {
    const at = `incidents[${i}]`;
    if (incidentIds.has(inc.id)) fail(`${at}.id`, `duplicate incident id "${inc.id}"`);
    incidentIds.add(inc.id);
    const incStart = parseUtc(inc.start, `${at}.start`, file);
    const recovery = parseUtc(inc.recoveryStart, `${at}.recoveryStart`, file);
    inSpan(incStart, `${at}.start`);
    if (recovery < incStart) fail(`${at}.recoveryStart`, `must not be before start (${inc.start})`);
    if (inc.countries && sumWeights(inc.countries) <= 0) fail(`${at}.countries`, 'needs at least one positive weight');
    if (inc.totalReports?.until) {
      const until = parseUtc(inc.totalReports.until, `${at}.totalReports.until`, file);
      if (until <= incStart) fail(`${at}.totalReports.until`, 'must be after the incident start');
    }
    inc.hashtags.forEach((h, j) => knownService(h.serviceId, `${at}.hashtags[${j}].serviceId`));
    const inIncident = new Set<string>();
    let shares = 0;
    inc.services.forEach((is, j) => {
      const sat = `${at}.services[${j}]`;
      knownService(is.serviceId, `${sat}.serviceId`);
      if (inIncident.has(is.serviceId)) fail(`${sat}.serviceId`, `"${is.serviceId}" is listed twice in this incident`);
      inIncident.add(is.serviceId);
      const amplitudes = (['peakPerMinute', 'peakMultiplier', 'share', 'totalReports'] as const).filter((k) => is[k] !== undefined);
      if (amplitudes.length !== 1)
        fail(sat, `needs exactly one of peakPerMinute, peakMultiplier, share, totalReports (has ${amplitudes.join(', ') || 'none'})`);
      if (is.share !== undefined) {
        shares += is.share;
        if (!inc.totalReports) fail(`${sat}.share`, `needs ${at}.totalReports to take a share of`);
      }
      for (const k of ['rampMinutes', 'decayMinutes'] as const)
        if (is[k] === undefined && inc.envelope[k] === undefined) fail(`${sat}.${k}`, `is required here or in ${at}.envelope`);
      if (is.problems && sumWeights(is.problems) <= 0) fail(`${sat}.problems`, 'needs at least one positive weight');
      if (is.countries && sumWeights(is.countries) <= 0) fail(`${sat}.countries`, 'needs at least one positive weight');
    });
    if (shares > 1 + 1e-9) fail(`${at}.services`, `shares add up to ${shares}, more than 1`);
    if (inc.totalReports && shares === 0) fail(`${at}.totalReports`, 'no service takes a share of it');
  });

  s.trends.forEach((t, i) => {
    const at = `trends[${i}]`;
    knownService(t.serviceId, `${at}.serviceId`);
    inSpan(parseUtc(t.start, `${at}.start`, file), `${at}.start`);
    if (t.countries && sumWeights(t.countries) <= 0) fail(`${at}.countries`, 'needs at least one positive weight');
    if (incidentIds.has(t.id)) fail(`${at}.id`, `"${t.id}" is also an incident id`);
  });

  const l = s.lateness;
  if (l.distribution === 'exponential' && l.meanSeconds === undefined) fail('lateness.meanSeconds', 'is required for the exponential distribution');
  if (l.distribution === 'lognormal' && (l.medianSeconds === undefined || l.sigma === undefined))
    fail(l.medianSeconds === undefined ? 'lateness.medianSeconds' : 'lateness.sigma', 'is required for the lognormal distribution');
  if ((l.minSeconds ?? 1) > l.maxSeconds) fail('lateness.minSeconds', 'must not exceed maxSeconds');

  return s;
}

/** Path of a shipped scenario by id, or the argument itself when it names a file. */
export function scenarioFile(idOrPath: string): string {
  if (idOrPath.endsWith('.json') || idOrPath.includes('/')) return resolve(idOrPath);
  return join(SCENARIO_DIR, `${idOrPath}.json`);
}

export function readJsonFile(file: string, field = ''): unknown {
  if (!existsSync(file)) throw new ScenarioError(field, `file not found: ${file}`, file);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ScenarioError(field, `not valid JSON: ${(err as Error).message}`, file);
  }
}

/** Load and validate a scenario by id (services/replay/scenarios/<id>.json) or by file path. */
export function loadScenario(idOrPath: string): Scenario {
  const file = scenarioFile(idOrPath);
  const scenario = parseScenario(readJsonFile(file), file);
  const expected = basename(file, '.json');
  if (!idOrPath.includes('/') && !idOrPath.endsWith('.json') && scenario.id !== expected)
    throw new ScenarioError('id', `is "${scenario.id}" but the file is ${expected}.json`, file);
  return scenario;
}

/** Ids of the shipped scenarios. */
export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.labels.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Load a labels file (<id>.labels.json) and check it against the labels schema. */
export function loadLabels(scenarioId: string): Labels {
  const file = join(SCENARIO_DIR, `${scenarioId}.labels.json`);
  const value = readJsonFile(file);
  if (!Value.Check(Labels, value)) {
    const e = [...Value.Errors(Labels, value)][0];
    throw new ScenarioError(e ? pointerToPath(e.path) : '', e?.message ?? 'invalid labels', file);
  }
  return value;
}

/** Numbers that are choices of the replay, not claims about the world: no provenance needed. */
const PROVENANCE_EXEMPT = new Set(['seed', 'defaultScale', 'offsetHours']);
/** Arrays of entities: a note on the parent does not vouch for each entry; every entry needs its own. */
const ENTITY_ARRAYS = new Set(['services', 'incidents', 'trends', 'hashtags']);

/**
 * Every number of a scenario must say where it comes from: a `source` or `assumption` on its
 * own object or an ancestor (entries of services, incidents, trends and hashtags need their own),
 * or an entry of `assumptions` whose path covers it. Returns the paths of the numbers that do not
 * (empty for every shipped scenario; a unit test checks).
 */
export function provenanceGaps(scenario: Scenario): string[] {
  const covers = (path: string) =>
    (scenario.assumptions ?? []).some((a) => path === a.path || path.startsWith(`${a.path}.`) || path.startsWith(`${a.path}[`));
  const gaps: string[] = [];
  const walk = (node: unknown, path: string, key: string, noted: boolean): void => {
    if (typeof node === 'number') {
      if (!noted && !PROVENANCE_EXEMPT.has(key) && !covers(path)) gaps.push(path);
      return;
    }
    if (Array.isArray(node)) {
      const entriesNoted = noted && !ENTITY_ARRAYS.has(key);
      node.forEach((v, i) => walk(v, `${path}[${i}]`, key, entriesNoted));
      return;
    }
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      const here = noted || typeof obj.source === 'string' || typeof obj.assumption === 'string';
      for (const [k, v] of Object.entries(obj)) walk(v, path ? `${path}.${k}` : k, k, here);
    }
  };
  walk(scenario, '', '', false);
  return gaps;
}
