// Worker thread of the experiment pool, run from the TypeScript sources:
// registers tsx (as bin/dev.mjs does), then loads the worker's entry.
import { register } from 'tsx/esm/api';

register();
const entry = await import('./cell-worker.ts');

/** Tinypool task: a CellSpec in, its result out (structured-cloned). */
export default entry.default;
