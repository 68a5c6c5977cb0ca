/** `npm run start --workspace services/ingest`: the ingest process (wiring.ts builds it). */
import { reporterSalt, runService } from '@downradar/common';
import { ingestConfigSpec } from './config';
import { createIngestService } from './wiring';

await runService({
  name: 'ingest',
  summary: 'the write path: reports, posts and NDJSON batches -> Kafka',
  config: ingestConfigSpec,
  create: createIngestService,
  // Several processes sharing the port (DOWNRADAR_INGEST_PROCESSES). The salt is created in the
  // primary, once: workers creating it at the same time would hash the same reporter differently.
  cluster: (c) => ({
    processes: c.ingestProcesses,
    beforeFork: async () => void reporterSalt(c.reporterSalt),
    stopTimeoutMs: c.produceTimeoutMs + 20_000,
  }),
});
