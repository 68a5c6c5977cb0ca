/** Starts the read API: `npm run start --workspace services/api`. The wiring lives in app.ts. */
import { runService } from '@downradar/common';
import { createApiService } from './app';
import { apiConfigSpec } from './config';

await runService({ name: 'api', summary: 'the read API and the dashboard server', config: apiConfigSpec, create: createApiService });
