/** `npm run start --workspace services/detector`: the detector process (app.ts wires it). */
import { runService } from '@downradar/common/service';
import { createDetectorService } from './app';
import { detectorConfigSpec } from './config';

await runService({
  name: 'detector',
  summary: 'signals -> scores, incidents, trends (exactly once)',
  config: detectorConfigSpec,
  create: (config, deps) => createDetectorService(config, deps),
  // Leaving the groups waits for the batch in hand, whose transaction may wait out a session.
  drainTimeoutMs: (c) => c.detectorSessionTimeoutMs + 15_000,
  // Several processes (DOWNRADAR_DETECTOR_PROCESSES): each worker is an instance of its own.
  cluster: (c) => ({ processes: c.detectorProcesses, stopTimeoutMs: c.detectorSessionTimeoutMs + 20_000 }),
});
