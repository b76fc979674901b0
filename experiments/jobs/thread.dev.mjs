// Worker thread of the local backend, run from the TypeScript sources:
// registers tsx (as bin/dev.mjs does), then loads the worker's entry.
import { register } from 'tsx/esm/api';

register();
const entry = await import('./thread.ts');

/** Tinypool task: a job in, its result out (structured-cloned). */
export default entry.default;
