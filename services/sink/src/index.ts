export { createSinkService, type Sink, type SinkOverrides } from './app';
export { sinkConfigSpec, type SinkConfig } from './config';
export { createBatchHandler, type BatchHandler, type BatchHandlerDeps, type SinkStats } from './batch-handler';
export * from './rows';
