/**
 * @downradar/detector: the public API of the detector's pure core, for the tools over it
 * (tools/eval) and the benchmarks; the service itself is main.ts.
 *
 * Nothing here reads a clock, and only the batch scorer (`scoreStream`, the CSV tool of
 * `npm run detect`) does I/O, on the streams it is handed. See core/detector.ts for how windows,
 * watermark, scoring, incidents, trends and checkpoints fit together.
 */
export { createDetector } from './core/detector';
export type { BaselineView, Detector, DetectorOutput, DetectorSnapshot, DetectorStats, Rejection } from './core/detector';
export { DEFAULT_DETECTOR_CONFIG, DetectorConfigError, resolveDetectorConfig, minCountForWindow } from './core/config';
export type { BaselineConfig, DeepPartial, DetectorConfig, EvidenceConfig, IncidentConfig, LevelConfig, TrendConfig } from './core/config';
export { noHashtagInfo, noServiceInfo, serviceInfoFrom } from './core/facts';
export type { HashtagInfo, HashtagLookup, ServiceInfo, ServiceInfoLookup } from './core/facts';
export { ServiceScorer, scoreFromEvidence } from './core/scorer';
export type { ServiceScorerParams, ServiceScorerState, WindowVerdict } from './core/scorer';
export { SeasonalBaseline } from './core/baseline';
export type { Prediction } from './core/baseline';
export { IncidentManager } from './core/incidents';
export type { IncidentManagerOptions, IncidentManagerState, IncidentView } from './core/incidents';
export { HashtagTrends } from './core/trends';
export { evidenceLog10, lnUpperTail, upperQuantile } from './core/distributions';
export { formatScore, parseTimestamp, SeriesCsvReader, SeriesInputError, SeriesScorer } from './batch/series';
export type { SeriesRow } from './batch/series';
export { scoreStream } from './batch/cli';
export { minuteOfWeek, windowStartOf } from './core/time';
export { hashtagLookup, serviceInfoLookup } from './service-facts';
