/** Entry of the experiment pool's worker threads (tinypool): one baseline cell per task. */
import { type CellResult, type CellSpec, computeBaselineCell } from './cells.ts';

/** Tinypool task: a CellSpec in, its result out (structured-cloned). */
export default function run(spec: CellSpec): CellResult {
  return computeBaselineCell(spec);
}
