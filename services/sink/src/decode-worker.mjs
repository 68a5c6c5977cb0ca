// The decoding thread's entry (decode-pool.ts): a worker thread does not inherit the module hooks
// of the thread that made it, so it registers tsx's itself before it loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
