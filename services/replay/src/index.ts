/**
 * @downradar/replay: the scenario engine (pure: schema, loader, generator, labels) and the
 * replayer (runReplay and its targets). `npm run replay` is src/cli.ts.
 */
export { generateEvents, generateFromPlan } from './generator';
export type { Emission, GenerateOptions, PostEmission, PostTruth, ReplayReport, ReportEmission } from './generator';
export { compilePlan, expectedTotals, incidentEnvelopes, MINUTE_MS, streamRate, trendEnvelope } from './plan';
export type { ExpectedTotals, Plan, PlanOptions, Stream } from './plan';
export { poisson, Sfc32 } from './prng';
export {
  listScenarios,
  loadLabels,
  loadScenario,
  parseScenario,
  provenanceGaps,
  SCENARIO_DIR,
  ScenarioError,
  scenarioFile,
} from './scenario-loader';
export { deriveLabels, formatLabels, labelsFile, writeLabels } from './labels';
export { DEFAULT_MAX_DISORDER_MS, runReplay } from './replay';
export type { ReplayOptions, ReplayProgress, ReplaySummary, Speed } from './replay';
export { createNullTarget, ReplayTargetError } from './target';
export type { ReplayEvent, ReplayTarget } from './target';
export { createHttpTarget, retryAfterMs } from './http-target';
export type { HttpTargetOptions } from './http-target';
export { createKafkaTarget, DEFAULT_SIGNAL_BATCH_SPAN_MS, loadSignalMaker } from './kafka-target';
export type { KafkaTargetOptions, SignalMaker } from './kafka-target';
export type { Labels, Scenario } from '../../../schemas/scenario/index';
