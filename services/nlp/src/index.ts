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
export { loadLabelledSet, loadLabelledFile, isHardCase, LABELLED_DEV_PATH, LABELLED_TEST_PATH, LABELLED_LANGUAGES, LABELLED_KINDS } from './labelled-set';
export type { LabelledExample, LabelledKind, LabelledLanguage } from './labelled-set';
export { evaluateUnderstanding, formatReport, formatTable } from './evaluation';
export type { EvaluationReport, EvaluationMiss, Scores } from './evaluation';
export { detectLanguage } from './language-detect';
export type { DetectedLanguage, LanguageGuess } from './language-detect';
export { measureNlpThroughput } from './throughput';
export type { ThroughputResult } from './throughput';
