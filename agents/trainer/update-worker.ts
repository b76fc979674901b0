/**
 * Entry of a trainer's second update thread (agents/trainer/update-thread.ts):
 * initialises the trainer's tfjs backend, then runs one request at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RoleSpec } from '../../src/core/batched.ts';
import { Rng } from '../../src/core/rng.ts';
import { RoleRollout } from '../common/buffer.ts';
import { type BackendName, initBackend } from '../tf/backend.ts';
import { RolePolicy } from '../tf/policy.ts';
import {
  ROLLOUT_INPUTS,
  ROLLOUT_OUTPUTS,
  type RoleUpdateRequest,
  type RoleUpdateResult,
  type UpdateReply,
  type UpdateRequest,
  updateRole,
} from './update-thread.ts';

const port = parentPort!;
const post = (msg: UpdateReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

/** The networks and rollout buffers of each role, built on its first request and reused. */
const roles = new Map<string, { policy: RolePolicy; rollout: RoleRollout; key: string }>();

function roleOf(r: RoleUpdateRequest): { policy: RolePolicy; rollout: RoleRollout } {
  const key = JSON.stringify([r.spec, r.policy, r.shape]);
  let got = roles.get(r.spec.name);
  if (got?.key !== key) {
    got?.policy.dispose();
    got = {
      policy: new RolePolicy(r.spec as RoleSpec, { ...r.policy, scope: `${r.policy.scope}/thread` }),
      rollout: new RoleRollout(r.shape),
      key,
    };
    roles.set(r.spec.name, got);
  }
  return got;
}

async function run(req: UpdateRequest): Promise<void> {
  const rng = new Rng(0);
  rng.setRaw(req.rng);
  const results: RoleUpdateResult[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const r of req.roles) {
    const { policy, rollout } = roleOf(r);
    for (const k of ROLLOUT_INPUTS) rollout[k].set(r.rollout[k]);
    policy.loadFlatState(r.flat);
    const metrics = await updateRole(req.algo, policy, rollout, req.config, req.lr, rng);
    const flat = policy.flatState();
    const prepared = Object.fromEntries(ROLLOUT_OUTPUTS.map((k) => [k, rollout[k].slice()]));
    transfer.push(...[flat.theta, flat.m, flat.v].map((a) => a.buffer as ArrayBuffer));
    for (const a of Object.values(prepared)) transfer.push(a.buffer as ArrayBuffer);
    results.push({ metrics, flat, prepared: prepared as RoleUpdateResult['prepared'] });
  }
  const out = new Float64Array(5);
  rng.getRaw(out);
  post({ type: 'result', result: { id: req.id, rng: out, roles: results } }, transfer);
}

try {
  await initBackend((workerData as { backend: BackendName }).backend);
} catch (err) {
  post({ type: 'init-error', message: err instanceof Error ? err.message : String(err) });
  process.exit(0);
}
// One request at a time, in order: the trainer waits for each reply before it sends the next.
let queue = Promise.resolve();
port.on('message', (req: UpdateRequest) => {
  queue = queue.then(() =>
    run(req).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ type: 'error', id: req.id, message: e.message, stack: e.stack });
    }),
  );
});
post({ type: 'ready' });
