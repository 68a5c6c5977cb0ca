/** `npm run start --workspace services/notifier`: the notifier process. The wiring is in app.ts. */
import { runService } from '@downradar/common';
import { createNotifierService } from './app';
import { notifierConfig } from './config';

await runService({ name: 'notifier', summary: 'alerts -> signed webhooks, with retries and dead letters', config: notifierConfig, create: createNotifierService });
