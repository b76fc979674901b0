/**
 * The `strategic` job: one cell of `experiment strategic`
 * (experiments/strategic-cell.ts). A learned cell first initialises the tfjs
 * backend its spec names, in whatever thread or process runs it (a local
 * worker thread, a `copronet worker`'s sandboxed process), so every place
 * trains on the coordinator's backend and gives its bits.
 */
import { type BackendName, backendInfo, initBackend } from '../../agents/tf/backend.ts';
import {
  computeFixedCell,
  computeLearnedCell,
  type StrategicResult,
  type StrategicSpec,
} from '../strategic-cell.ts';

/** `BackendInfo.name` -> the `initBackend` choice that gives it. */
const CHOICE: Record<NonNullable<StrategicSpec['train']>['backend'], BackendName> = {
  tensorflow: 'node',
  wasm: 'wasm',
  cpu: 'cpu',
};

export async function runStrategicJob(spec: StrategicSpec): Promise<StrategicResult> {
  if (!spec.train) return computeFixedCell(spec);
  if (backendInfo()?.name !== spec.train.backend) await initBackend(CHOICE[spec.train.backend]);
  return computeLearnedCell(spec);
}
