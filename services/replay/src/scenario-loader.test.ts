import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CATEGORIES } from '../../../schemas/events/index';
import { ProblemWeights } from '../../../schemas/scenario/index';
import { renderScenarioSchemas } from '../../../schemas/scenario/write-json';
import { listScenarios, loadScenario, parseScenario, pointerToPath, provenanceGaps, ScenarioError, scenarioFile } from './scenario-loader';

const CATALOG = fileURLToPath(new URL('../../../schemas/catalog/services.json', import.meta.url));
const fbRaw = () => JSON.parse(readFileSync(scenarioFile('fb-2021-10-04'), 'utf8'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break arbitrary paths of a parsed JSON document
type Doc = any;

/** Parse a mutated copy of fb-2021-10-04 and return the error. */
function errorOf(mutate: (s: Doc) => void): ScenarioError {
  const s = fbRaw();
  mutate(s);
  try {
    parseScenario(s, 'broken.json');
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('shipped scenarios', () => {
  const ids = listScenarios();

  it('include the reference outage, a quiet week and at least five more', () => {
    expect(ids).toContain('fb-2021-10-04');
    expect(ids).toContain('quiet-week');
    for (const id of ['blip-6min', 'slow-degradation', 'single-country', 'cdn-provider', 'viral-hashtag']) expect(ids).toContain(id);
  });

  it.each(listScenarios())('%s is valid, its file name is its id, and every number has provenance', (id) => {
    const s = loadScenario(id);
    expect(s.id).toBe(id);
    expect(provenanceGaps(s)).toEqual([]);
  });

  it('quiet-week has 40 services, seven days and no incident', () => {
    const s = loadScenario('quiet-week');
    expect(s.services).toHaveLength(40);
    expect(Date.parse(s.end) - Date.parse(s.start)).toBe(7 * 86_400_000);
    expect(s.incidents).toHaveLength(0);
    expect(s.trends).toHaveLength(0);
  });

  it('fb-2021-10-04 carries the sourced facts', () => {
    const s = loadScenario('fb-2021-10-04');
    const inc = s.incidents[0]!;
    expect(inc.start).toBe('2021-10-04T15:40:00Z');
    expect(inc.recoveryStart).toBe('2021-10-04T21:20:00Z');
    expect(inc.envelope.lagMinutes).toBe(4); // reports from 15:44
    expect(inc.totalReports).toMatchObject({ count: 14_000_000, until: '2021-10-04T22:30:00Z' });
    expect(inc.totalReports?.source).toMatch(/^https:\/\//);
    const wa = inc.services.find((x) => x.serviceId === 'whatsapp')!;
    expect(wa.problems).toEqual({ app: 43, server_connection: 28, messaging: 28 });
    expect(wa.recoveryLagMinutes).toBeGreaterThanOrEqual(15);
    expect(wa.recoveryLagMinutes).toBeLessThanOrEqual(30);
    expect(inc.services.find((x) => x.serviceId === 'instagram')!.problems).toEqual({ app: 51, server_connection: 26, website: 23 });
    expect(inc.services.find((x) => x.serviceId === 'facebook')!.problems?.website).toBe(72);
    const shares = inc.services.filter((x) => x.share !== undefined).reduce((a, x) => a + x.share!, 0);
    expect(shares).toBeCloseTo(1, 9);
    const collateral = inc.services.filter((x) => x.role === 'collateral').map((x) => x.serviceId);
    for (const id of ['twitter', 'telegram', 'signal', 'discord', 'vodafone-uk', 'vodafone-ie', 'att', 'verizon', 't-mobile', 'comcast-xfinity'])
      expect(collateral).toContain(id);
    const tags = inc.hashtags.map((h) => h.tag);
    for (const t of ['facebookdown', 'whatsappdown', 'instagramdown', 'twitterdown']) expect(tags).toContain(t);
    expect(s.trends.map((t) => t.hashtag.tag)).toContain('deletefacebook');
    expect(Date.parse(inc.start) - Date.parse(s.start)).toBeGreaterThanOrEqual(12 * 3_600_000); // lead-in to learn a baseline
    expect(s.end).toBe('2021-10-05T02:00:00Z');
  });

  // The catalog is written by a teammate; this checks the scenarios against it once it exists.
  it.skipIf(!existsSync(CATALOG))('name only services of the catalog, with problem types it lists, and groups match its provider/family', () => {
    const catalog = JSON.parse(readFileSync(CATALOG, 'utf8')) as unknown;
    const list: { id: string; provider?: string; family?: string; problems?: string[] }[] = Array.isArray(catalog)
      ? catalog
      : Array.isArray((catalog as { services?: unknown }).services)
        ? (catalog as { services: { id: string }[] }).services
        : Object.entries(catalog as Record<string, object>).map(([id, v]) => ({ id, ...v }));
    const byId = new Map(list.map((s) => [s.id, s]));
    for (const id of listScenarios()) {
      const s = loadScenario(id);
      const missing = s.services.map((x) => x.id).filter((x) => !byId.has(x));
      expect(missing, `${id}: services not in the catalog`).toEqual([]);
      // ingest rejects a report whose problem the catalog does not list for the service
      const mixes: [string, string, Record<string, number | undefined>][] = [];
      for (const svc of s.services) mixes.push([svc.id, 'normal', svc.problems ?? s.defaults.problems]);
      for (const inc of s.incidents)
        for (const x of inc.services) {
          const svc = s.services.find((v) => v.id === x.serviceId)!;
          mixes.push([x.serviceId, inc.id, x.problems ?? svc.problems ?? s.defaults.problems]);
        }
      for (const [serviceId, where, mix] of mixes) {
        const allowed = byId.get(serviceId)?.problems;
        if (!allowed) continue;
        const bad = Object.entries(mix).filter(([p, w]) => (w ?? 0) > 0 && p !== 'other' && !allowed.includes(p));
        expect(bad.map(([p]) => p), `${id}: ${serviceId} (${where}) problems not in the catalog`).toEqual([]);
      }
      for (const inc of s.incidents) {
        const primaries = inc.services.filter((x) => x.role === 'primary');
        if (inc.provider && !inc.family)
          for (const p of primaries) expect(byId.get(p.serviceId)?.provider, `${id}: ${p.serviceId} provider`).toBe(inc.provider);
        if (inc.family)
          for (const p of primaries) expect(byId.get(p.serviceId)?.family, `${id}: ${p.serviceId} family`).toBe(inc.family);
      }
    }
  });
});

describe('parseScenario rejects broken scenarios with a message naming the field', () => {
  it.each<[string, (s: Doc) => void, string, RegExp]>([
    ['a missing required field', (s) => delete s.seed, 'seed', /required/i],
    ['a wrong type deep inside', (s) => (s.incidents[0].services[1].lagMinutes = 'soon'), 'incidents[0].services[1].lagMinutes', /number/i],
    ['an unknown field', (s) => (s.incidents[0].rampMinutes = 5), 'incidents[0].rampMinutes', /unexpected/i],
    ['a 23-hour profile', (s) => s.profiles.social.hourOfDay.pop(), 'profiles.social.hourOfDay', /24/],
    ['a lower-case country', (s) => (s.defaults.countries.us = 1), 'defaults.countries.us', /./],
    ['an unknown problem category', (s) => (s.services[0].problems.crash = 1), 'services[0].problems.crash', /./],
    ['end before start', (s) => (s.end = '2021-10-03T14:00:00Z'), 'end', /after start/],
    ['an unknown profile', (s) => (s.services[2].profile = 'nightlife'), 'services[2].profile', /unknown profile "nightlife"/],
    ['an incident service not in services', (s) => (s.incidents[0].services[0].serviceId = 'myspace'), 'incidents[0].services[0].serviceId', /unknown service "myspace"/],
    ['two amplitudes', (s) => (s.incidents[0].services[0].peakPerMinute = 10), 'incidents[0].services[0]', /exactly one of/],
    ['no amplitude', (s) => delete s.incidents[0].services[4].peakPerMinute, 'incidents[0].services[4]', /exactly one of/],
    ['shares above 1', (s) => (s.incidents[0].services[0].share = 0.9), 'incidents[0].services', /more than 1/],
    ['an incident outside the span', (s) => (s.incidents[0].start = '2022-01-01T00:00:00Z'), 'incidents[0].start', /within the scenario/],
    ['recovery before start', (s) => (s.incidents[0].recoveryStart = '2021-10-04T15:00:00Z'), 'incidents[0].recoveryStart', /not be before/],
    ['a non-minute start', (s) => (s.start = '2021-10-03T15:00:30Z'), 'start', /whole minute/],
    ['a share without a total', (s) => delete s.incidents[0].totalReports, 'incidents[0].services[0].share', /totalReports/],
    ['a late share above 1', (s) => (s.lateness.share = 1.5), 'lateness.share', /1/],
    ['lognormal without sigma', (s) => delete s.lateness.sigma, 'lateness.sigma', /required/],
    ['a duplicate service', (s) => s.services.push({ ...s.services[0] }), `services[16].id`, /duplicate/],
  ])('%s', (_name, mutate, field, reason) => {
    const err = errorOf(mutate);
    expect(err.field).toBe(field);
    expect(err.reason).toMatch(reason);
    expect(err.message).toContain(`broken.json: ${field}: `);
  });

  it('loadScenario names a missing file and invalid JSON', () => {
    expect(() => loadScenario('no-such-scenario')).toThrow(/file not found/);
  });

  it('pointerToPath turns JSON pointers into dotted paths', () => {
    expect(pointerToPath('/incidents/0/services/12/rampMinutes')).toBe('incidents[0].services[12].rampMinutes');
    expect(pointerToPath('')).toBe('');
  });

  it('provenanceGaps lists numbers without a source, assumption or assumptions entry', () => {
    const s = fbRaw();
    s.noisePostsPerMinute = 3;
    s.assumptions = s.assumptions.filter((a: { path: string }) => a.path !== 'noisePostsPerMinute');
    delete s.incidents[0].services[4].assumption;
    delete s.incidents[0].services[4].source;
    s.assumptions = s.assumptions.filter((a: { path: string }) => a.path !== 'incidents[0].services');
    const gaps = provenanceGaps(parseScenario(s));
    expect(gaps).toContain('noisePostsPerMinute');
    expect(gaps).toContain('incidents[0].services[4].peakPerMinute');
    expect(gaps).not.toContain('seed');
  });
});

describe('schema files', () => {
  it('ProblemWeights has exactly the event contract categories', () => {
    expect(Object.keys(ProblemWeights.properties).sort()).toEqual([...PROBLEM_CATEGORIES].sort());
  });

  it('scenario.schema.json and labels.schema.json are up to date (npx tsx schemas/scenario/write-json.ts)', () => {
    for (const [path, text] of renderScenarioSchemas()) expect(readFileSync(path, 'utf8'), path).toBe(text);
  });
});
