// Worker thread of the live dashboard: registers tsx so the TypeScript sources
// load (as bin/copronet.mjs does), then runs the dashboard side.
import { register } from 'tsx/esm/api';

process.env.NODE_ENV ??= 'production';
register();
await import('./worker-side.ts');
