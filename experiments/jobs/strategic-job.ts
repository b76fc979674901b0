/**
 * The `strategic` job: one cell of `experiment strategic`
 * (experiments/strategic-cell.ts). A learned cell first initialises the tfjs
 * backend its spec names, in whatever thread or process runs it (a local
 * worker thread, a `copronet worker`'s sandboxed process), so every place
 * trains on the coordinator's backend and gives its bits.
 */
import {
  computeFixedCell,
  computeLearnedCell,
  type StrategicResult,
  type StrategicSpec,
} from '../strategic-cell.ts';
import { switchBackend } from './tf.ts';

export async function runStrategicJob(spec: StrategicSpec): Promise<StrategicResult> {
  if (!spec.train) return computeFixedCell(spec);
  await switchBackend(spec.train.backend);
  return computeLearnedCell(spec);
}
