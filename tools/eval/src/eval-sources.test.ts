/**
 * Scenarios that are not shipped, evaluated end to end as `npm run eval -- --scenario` and
 * `--families` do: labels derived from the scenario, the replay, the evaluation and the oracle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createUnderstanding } from '@downradar/nlp';
import { loadLabels, loadScenario } from '@downradar/replay';
import { evaluateScenario } from './evaluate';
import { loadSource } from './eval-sources';
import { memoizeUnderstanding } from './memo-understanding';
import { compareWithOracle } from './oracle-report';
import { runScenario } from './run-scenario';
import { ratePaths } from './service-rates';

const dir = mkdtempSync(join(tmpdir(), 'eval-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The shipped six-minute blip, with Discord replaced by a service the catalog does not know. */
function userScenarioFile(): string {
  const s = structuredClone(loadScenario('blip-6min')) as unknown as Record<string, unknown> & { services: { id: string; names?: string[]; provider?: string }[]; incidents: { services: { serviceId: string }[]; hashtags: { serviceId?: string; tag: string; spellings: { text: string; weight: number }[] }[] }[] };
  s.id = 'my-blip';
  const svc = s.services.find((x) => x.id === 'discord')!;
  svc.id = 'acme-chat';
  svc.names = ['Acme Chat', 'acmechat'];
  svc.provider = 'acme';
  for (const inc of s.incidents) {
    for (const x of inc.services) if (x.serviceId === 'discord') x.serviceId = 'acme-chat';
    inc.hashtags = inc.hashtags.filter((h) => h.serviceId !== 'discord');
  }
  const file = join(dir, 'my-blip.json');
  writeFileSync(file, JSON.stringify(s));
  return file;
}

describe('a scenario file of the user', () => {
  it('is evaluated with labels derived as for the shipped ones, and compared with the oracle', { timeout: 120_000 }, () => {
    const loaded = loadSource({ kind: 'file', path: userScenarioFile() });
    // The labels are what the shipped blip's say, for the renamed service.
    const shipped = loadLabels('blip-6min').incidents[0]!.services[0]!;
    expect(loaded.labels.incidents[0]!.services).toEqual([{ ...shipped, serviceId: 'acme-chat' }]);
    expect(loaded.catalog.get('acme-chat')).toMatchObject({ provider: 'acme' });

    const { observed } = runScenario(loaded.scenario, { catalog: loaded.catalog, understanding: memoizeUnderstanding(createUnderstanding({ catalog: loaded.catalog })) });
    const evaluation = evaluateScenario(loaded.labels, observed);
    const service = evaluation.incidents[0]!.services[0]!;
    expect(service.serviceId).toBe('acme-chat');
    // From 1.4 to 46 counted signals a minute: seen while the six minutes last.
    expect(service.warning!.delayS).toBeLessThanOrEqual(360);
    expect(evaluation.falseIncidents).toEqual([]);

    const [row] = compareWithOracle('my-blip@1', ratePaths(loaded.scenario, loaded.labels, observed.scale), evaluation);
    expect(row).toMatchObject({ serviceId: 'acme-chat', role: 'primary', warningDelayS: service.warning!.delayS });
    expect(row!.oraclePDetect).toBeGreaterThan(0.99);
    expect(row!.oracleMeanS).toBeGreaterThanOrEqual(60);
    expect(row!.ratio).toBeCloseTo(service.warning!.delayS / row!.oracleMeanS!, 9);
  });
});

describe('a family drawn from a seed', () => {
  it('replays at its drawn scale, with one oracle row per primary', { timeout: 120_000 }, () => {
    const loaded = loadSource({ kind: 'family', seed: 2 });
    const draw = loaded.family!;
    const { observed } = runScenario(loaded.scenario, { catalog: loaded.catalog, understanding: memoizeUnderstanding(createUnderstanding({ catalog: loaded.catalog })) });
    expect(observed.scale).toBe(draw.scale);
    const evaluation = evaluateScenario(loaded.labels, observed);
    const rows = compareWithOracle(`family-${draw.seed}`, ratePaths(loaded.scenario, loaded.labels, observed.scale), evaluation);
    expect(rows.map((r) => r.serviceId).sort()).toEqual([...draw.primaries].sort());
    for (const r of rows) {
      expect(r.oraclePDetect).toBeGreaterThan(0);
      expect(r.oracleMeanS).toBeGreaterThanOrEqual(60);
    }
  });
});
