// Worker thread of the live dashboard, run from the TypeScript sources:
// registers tsx (as bin/dev.mjs does), then loads the worker's entry.
import { register } from 'tsx/esm/api';

process.env.NODE_ENV ??= 'production';
register();
await import('./dashboard-worker.ts');
