/** `npm run start --workspace services/sink`: the sink process (app.ts wires it). */
import { runService } from '@downradar/common';
import { createSinkService, migrateSinkSchema } from './app';
import { sinkConfigSpec } from './config';

await runService({
  name: 'sink',
  summary: 'every topic -> ClickHouse, offsets committed only after ClickHouse acknowledged',
  config: sinkConfigSpec,
  create: createSinkService,
  // The drain (stop fetching, finish and commit the batch in hand) can wait on a ClickHouse
  // request: the insert timeout plus a margin.
  drainTimeoutMs: (c) => c.sinkInsertTimeoutMs + 10_000,
  // Several processes (DOWNRADAR_SINK_PROCESSES): migrate once in the primary, then fork the workers.
  cluster: (c) => ({
    processes: c.sinkProcesses,
    beforeFork: async (logger) => {
      if (c.sinkMigrate) await migrateSinkSchema(c, logger);
    },
    workerEnv: { DOWNRADAR_SINK_MIGRATE: 'false' },
    stopTimeoutMs: c.sinkInsertTimeoutMs + 15_000,
  }),
});
