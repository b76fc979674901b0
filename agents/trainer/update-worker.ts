/**
 * Entry of a trainer's second update thread (agents/trainer/update-thread.ts):
 * initialises the trainer's tfjs backend, then answers the requests in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RoleSpec } from '../../src/core/batched.ts';
import { RoleRollout } from '../common/buffer.ts';
import { evaluateChunks, packedMinibatch, packMinibatch, rolloutChunks } from '../common/prepare.ts';
import { type BackendName, initBackend } from '../tf/backend.ts';
import { type PackedMinibatch, RolePolicy } from '../tf/policy.ts';
import type { RoleSetup, UpdateReply, UpdateRequest } from './update-thread.ts';

const port = parentPort!;
const post = (msg: UpdateReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

interface RoleCopy {
  key: string;
  policy: RolePolicy;
  rollout: RoleRollout;
  side: Float32Array | null;
  mb: PackedMinibatch | null;
}

/** Each role's networks and rollout copy, built on its first request and reused. */
const roles = new Map<string, RoleCopy>();

function roleOf(setup: RoleSetup): RoleCopy {
  const key = JSON.stringify(setup);
  let got = roles.get(setup.spec.name);
  if (got?.key !== key) {
    got?.policy.dispose();
    got = {
      key,
      policy: new RolePolicy(setup.spec as RoleSpec, {
        ...setup.policy,
        scope: `${setup.policy.scope}/thread`,
      }),
      rollout: new RoleRollout(setup.shape),
      side: null,
      mb: null,
    };
    roles.set(setup.spec.name, got);
  }
  return got;
}

function known(name: string): RoleCopy {
  const got = roles.get(name);
  if (!got) throw new Error(`no rollout of role '${name}' was sent before its minibatches`);
  return got;
}

function handle(req: UpdateRequest): void {
  if (req.type === 'chunk') {
    const copy = roleOf(req.role);
    const ro = copy.rollout;
    const { obsDim, rawDim, stateDim, count: N } = ro.shape;
    const start = req.chunk * rolloutChunks(ro.size).rows;
    ro.obs.set(req.rows.obs, start * obsDim);
    ro.raw.set(req.rows.raw, start * rawDim);
    ro.finalObs.set(req.rows.finalObs, start * obsDim);
    ro.truncatedOnly.set(req.rows.truncatedOnly, start);
    ro.states.set(req.rows.states, Math.floor(start / N) * stateDim);
    // A new rollout: its side rows come after its chunks.
    copy.side = null;
    if (!req.evaluate) return;
    copy.policy.loadParameters(req.theta);
    const ev = evaluateChunks(copy.policy, ro, req.bootstrapTruncated, req.chunk, req.chunk + 1);
    const bufs = [ev.logp, ev.values, ev.finalValues].map((a) => a.buffer as ArrayBuffer);
    post({ type: 'chunk', id: req.id, ...ev }, bufs);
  } else if (req.type === 'side') {
    known(req.role).side = req.side;
  } else {
    const copy = known(req.role);
    if (!copy.side) throw new Error(`no side rows of role '${req.role}' were sent before its minibatches`);
    const rows = req.rows.length;
    if (copy.mb?.rows !== rows) copy.mb = packedMinibatch(copy.rollout, copy.policy.dist, rows);
    packMinibatch(copy.rollout, copy.side, copy.policy.dist, req.rows, 0, copy.mb);
    copy.policy.loadParameters(req.theta);
    const got = copy.policy.remotePieces(copy.mb, req.head, req.stats, req.pieceRows);
    post({ type: 'pieces', id: req.id, grads: got.grads, terms: got.terms }, [
      ...new Set(got.grads.flat().map((g) => g.buffer as ArrayBuffer)),
    ]);
  }
}

try {
  await initBackend((workerData as { backend: BackendName }).backend);
} catch (err) {
  post({ type: 'init-error', message: err instanceof Error ? err.message : String(err) });
  process.exit(0);
}
port.on('message', (req: UpdateRequest) => {
  try {
    handle(req);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'error', id: req.id, message: e.message, stack: e.stack });
  }
});
post({ type: 'ready' });
