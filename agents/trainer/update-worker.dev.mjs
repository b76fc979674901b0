// A trainer's second update thread, run from the TypeScript sources:
// registers tsx (as bin/dev.mjs does), then loads the thread's entry.
import { register } from 'tsx/esm/api';

register();
await import('./update-worker.ts');
