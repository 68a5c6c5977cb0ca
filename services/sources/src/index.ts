export { createSources, enabledSources } from './sources';
export type { SourcesService, SourcesDeps } from './sources';
export { sourcesConfigSpec, SOURCE_NAMES } from './config';
export type { SourcesConfig, SourceName } from './config';
