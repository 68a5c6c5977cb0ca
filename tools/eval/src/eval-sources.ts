/**
 * Where a replay's scenario and labels come from: a shipped scenario (labels committed beside it),
 * a scenario file of the user's (labels derived from it, exactly as the shipped ones were), or a
 * family drawn from a seed (families.ts). A source is plain JSON, so a worker process can be told
 * what to replay on its command line.
 */
import { loadCatalog, type Catalog } from '../../../schemas/catalog/index';
import { deriveLabels, loadLabels, loadScenario } from '@downradar/replay';
import type { Labels, Scenario } from '../../../schemas/scenario/index';
import { generateFamily, type FamilyDraw } from './families';
import { catalogForScenario } from './scenario-catalog';

export type RunSource = { kind: 'shipped'; scenarioId: string } | { kind: 'file'; path: string } | { kind: 'family'; seed: number; historyDays?: number };

/** The shipped scenario the families take their profiles, audiences and posting habits from. */
export const FAMILY_BASE_SCENARIO = 'quiet-week';

export interface LoadedSource {
  scenario: Scenario;
  labels: Labels;
  catalog: Catalog;
  family?: FamilyDraw;
}

export function loadSource(source: RunSource): LoadedSource {
  const shipped = loadCatalog();
  switch (source.kind) {
    case 'shipped':
      return { scenario: loadScenario(source.scenarioId), labels: loadLabels(source.scenarioId), catalog: shipped };
    case 'file': {
      const scenario = loadScenario(source.path);
      return { scenario, labels: deriveLabels(scenario), catalog: catalogForScenario(shipped, scenario) };
    }
    case 'family': {
      const { scenario, draw } = generateFamily(source.seed, shipped, loadScenario(FAMILY_BASE_SCENARIO), source.historyDays);
      return { scenario, labels: deriveLabels(scenario), catalog: shipped, family: draw };
    }
  }
}
