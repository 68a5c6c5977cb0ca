/**
 * @downradar/nlp: text understanding for downradar, a pure library (it reads only its own data
 * files, once, at load). Ingest turns posts and reports into signals with it; the detector and
 * the CLI use the same code, so what `npm run nlp` prints is what production counts.
 */
export { createUnderstanding, signalIdFor } from './understanding';
export type { MentionKind, PostText, ServiceReading, Understanding, UnderstandingOptions, Understood } from './understanding';
export { tokenise, foldText } from './text-tokens';
export type { Token, TokenisedText } from './text-tokens';
export { analyseCues } from './outage-cues';
export type { Cue, Clause, CueAnalysis, Polarity } from './outage-cues';
export { buildServiceIndex, OUTAGE_HASHTAG_SUFFIXES } from './service-index';
export type { ServiceIndex, NameTarget, HashtagReading } from './service-index';
export { loadLabelledSet, splitLabelledSet, LABELLED_SET_PATH } from './labelled-set';
export type { LabelledExample } from './labelled-set';
export { evaluateUnderstanding, formatReport } from './evaluation';
export type { EvaluationReport, EvaluationMiss } from './evaluation';
export { measureNlpThroughput } from './throughput';
export type { ThroughputResult } from './throughput';
