/** The tfjs backend a job's spec names, initialised in the thread or process that runs the job. */
import { type BackendInfo, type BackendName, backendInfo, initBackend } from '../../agents/tf/backend.ts';

/** What a job's spec records: the `BackendInfo.name` of the coordinator (results differ across backends). */
export type BackendOfJob = BackendInfo['name'];

/** `BackendInfo.name` -> the `initBackend` choice that gives it. */
const CHOICE: Record<BackendOfJob, BackendName> = { tensorflow: 'node', wasm: 'wasm', cpu: 'cpu' };

/** Switch to `name` unless it is the backend already active; throws, saying how to fix it, where it is missing. */
export async function switchBackend(name: BackendOfJob): Promise<void> {
  if (backendInfo()?.name !== name) await initBackend(CHOICE[name]);
}

/** The `initBackend` choice that gives `name`. */
export function backendChoice(name: BackendOfJob): BackendName {
  return CHOICE[name];
}
