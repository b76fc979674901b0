// Worker thread of the experiment pool: registers tsx so the TypeScript sources
// load (as bin/copronet.mjs does), then computes one baseline cell per task.
import { register } from 'tsx/esm/api';

register();
const { computeBaselineCell } = await import('./cells.ts');

/** Tinypool task: a CellSpec in, its result out (structured-cloned). */
export default function run(spec) {
  return computeBaselineCell(spec);
}
