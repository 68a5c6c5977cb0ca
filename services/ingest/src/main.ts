/** `npm run start --workspace services/ingest`: the ingest process (wiring.ts builds it). */
import { runService } from '@downradar/common';
import { ingestConfigSpec } from './config';
import { createIngestService } from './wiring';

await runService({ name: 'ingest', summary: 'the write path: reports, posts and NDJSON batches -> Kafka', config: ingestConfigSpec, create: createIngestService });
