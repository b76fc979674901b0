/**
 * What a checkpoint holds, and its way between a trainer's state (state.ts) and
 * a run directory (run-dir.ts writes and reads the files):
 *
 *   save  captureBoundary(state, env)       the state at an iteration boundary, as JSON-ready copies
 *         buildCheckpoint(algo, state, ...)  plus algo, elapsed time, Adam steps and every tensor
 *         writeCheckpoint(dir, name, ckpt)   to checkpoints/<name>/
 *
 *   load  readCheckpoint(dir, name)          the files as a Checkpoint, checked (schema, checksums, sizes,
 *                                            finite values); nothing is applied yet
 *         checkFits(ckpt, name, algo, state) throws, naming the mismatch, before anything changes
 *         restoreState(ckpt, state)          weights, optimiser, normalisers, observations, Rng, counters
 *         restoreEnv(ckpt, env)              the env's own snapshot, when it has one and the env takes it
 *
 * Checkpoints always describe an iteration boundary, so a resumed run continues
 * exactly. Exact continuation of the environment needs the env to offer
 * `snapshot(): unknown` and `restore(state: unknown): void` (JSON-serialisable).
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchedEnv } from '../../src/core/batched.ts';
import { Rng, type RngState } from '../../src/core/rng.ts';
import { RunningMeanStd, type RunningMeanStdJSON } from '../../src/core/running-stats.ts';
import { CheckpointStateSchema, checkSchema } from './checkpoint-schema.ts';
import type { Algo } from './config.ts';
import type { Checkpoint as CheckpointFiles, CheckpointTensor, LoadedCheckpoint, RunDir } from './run-dir.ts';
import type { TrainerState } from './state.ts';

/** A BatchedEnv that can save and restore its full state (for exact resumes). */
export interface SnapshotCapable {
  snapshot(): unknown;
  restore(state: unknown): void;
}

export function canSnapshot(env: BatchedEnv): env is BatchedEnv & SnapshotCapable {
  const e = env as Partial<SnapshotCapable>;
  return typeof e.snapshot === 'function' && typeof e.restore === 'function';
}

/** The state at an iteration boundary, in memory (what a checkpoint stores besides tensors). */
export interface BoundaryState {
  globalStep: number;
  iteration: number;
  rng: ReturnType<Rng['state']>;
  /** The env's snapshot; null when it cannot take one. */
  env: unknown;
  envState: number[];
  roles: Record<
    string,
    {
      obs: number[];
      active: number[];
      epReturn: number[];
      epLength: number[];
      rms: RunningMeanStdJSON | null;
      best: number | null;
    }
  >;
}

/** `checkpoints/<name>/state.json` (run-dir.ts adds the manifest of `tensors.bin`). */
export interface CheckpointState extends BoundaryState {
  version: 1;
  algo: Algo;
  elapsedSec: number;
  /** Adam's step count per role. */
  adamSteps: Record<string, number>;
}

/** A whole checkpoint: its state and every network and optimiser tensor, by scope-free name. */
export type Checkpoint = CheckpointFiles<CheckpointState>;

// ---------------------------------------------------------------------------
// Save.

/** Copy the state at an iteration boundary (called before every rollout, which may be abandoned). */
export function captureBoundary(s: TrainerState, env: BatchedEnv): BoundaryState {
  const roles: BoundaryState['roles'] = {};
  for (const spec of s.specs) {
    const st = s.roles[spec.name];
    roles[spec.name] = {
      obs: Array.from(st.obs),
      active: Array.from(st.active),
      epReturn: Array.from(st.epReturn),
      epLength: Array.from(st.epLength),
      rms: st.rms ? st.rms.toJSON() : null,
      best: Number.isFinite(st.best) ? st.best : null,
    };
  }
  return {
    globalStep: s.globalStep,
    iteration: s.iteration,
    rng: s.rng.state(),
    env: canSnapshot(env) ? env.snapshot() : null,
    envState: Array.from(s.envState),
    roles,
  };
}

/** A checkpoint of `boundary` with the networks' and optimisers' current tensors. */
export function buildCheckpoint(
  algo: Algo,
  s: TrainerState,
  elapsedSec: number,
  boundary: BoundaryState,
): Checkpoint {
  const tensors = new Map<string, CheckpointTensor>();
  const adamSteps: Record<string, number> = {};
  for (const spec of s.specs) {
    const pol = s.roles[spec.name].policy;
    adamSteps[spec.name] = pol.optimizer.step;
    for (const v of pol.stateVariables()) {
      const name = stableName(s.scope, v.name);
      tensors.set(name, { name, shape: v.shape.slice(), data: v.dataSync() as Float32Array });
    }
  }
  return { state: { version: 1, algo, elapsedSec, adamSteps, ...boundary }, tensors };
}

/** Write `checkpoints/<name>/` atomically; returns its path. */
export function writeCheckpoint(dir: RunDir, name: string, ckpt: Checkpoint): string {
  return dir.saveCheckpoint(name, ckpt.state, [...ckpt.tensors.values()]);
}

// ---------------------------------------------------------------------------
// Load.

/**
 * Read `checkpoints/<name>/` of a run directory and return it as it is; applies nothing (checkFits,
 * then restoreState). The one way a checkpoint comes in from disk, checked before a trainer is
 * touched: `state.json` against CheckpointStateSchema (checkpoint-schema.ts), then RunDir's checks
 * (manifest, sizes, checksums, finite values). Throws naming the file and the field; the warnings
 * (an old checkpoint without checksums) are in the result.
 */
export function readCheckpoint(dir: RunDir, name: string): LoadedCheckpoint<CheckpointState> {
  return dir.loadCheckpoint<CheckpointState>(name, {
    validate: (state, file, advice) => checkSchema(CheckpointStateSchema, state, file, advice),
  });
}

/** How messages name a checkpoint: its state.json when it was read from disk. */
function where(ckpt: Checkpoint, name: string): string {
  return (ckpt as Partial<LoadedCheckpoint>).file ?? `Checkpoint '${name}'`;
}

/** Throw, naming the first mismatch, unless `ckpt` fits a trainer of `algo` with state `s`. */
export function checkFits(ckpt: Checkpoint, name: string, algo: Algo, s: TrainerState): void {
  const { state, tensors } = ckpt;
  if (state.algo !== algo) {
    throw new Error(
      `Checkpoint '${name}' was trained with ${state.algo}, not ${algo}: pass --algo ${state.algo}.`,
    );
  }
  for (const spec of s.specs) {
    const st = s.roles[spec.name];
    const saved = state.roles[spec.name];
    if (!saved)
      throw new Error(`Checkpoint '${name}' has no role '${spec.name}': it belongs to a different env.`);
    if (saved.obs.length !== st.obs.length) {
      throw new Error(
        `Checkpoint '${name}' has ${saved.obs.length / spec.obsDim} slots x obs for role '${spec.name}', the env has ` +
          `${spec.count} x ${spec.obsDim}: resume with the same env and scenario config.`,
      );
    }
    for (const key of ['active', 'epReturn', 'epLength'] as const) {
      if (saved[key].length !== spec.count) {
        throw new Error(
          `${where(ckpt, name)}: roles.${spec.name}.${key}: ${saved[key].length} values, the role has ` +
            `${spec.count} slots (and the checkpoint's obs say so too): the file is damaged or was edited.`,
        );
      }
    }
    if (saved.rms && (saved.rms.mean.length !== spec.obsDim || saved.rms.var.length !== spec.obsDim)) {
      throw new Error(
        `${where(ckpt, name)}: roles.${spec.name}.rms: mean and var need ${spec.obsDim} values (the observation ` +
          `size), got ${saved.rms.mean.length} and ${saved.rms.var.length}: the file is damaged or was edited.`,
      );
    }
    for (const v of st.policy.stateVariables()) {
      const t = tensors.get(stableName(s.scope, v.name));
      if (!t)
        throw new Error(
          `Checkpoint '${name}' lacks tensor ${stableName(s.scope, v.name)}: it was written by another network size.`,
        );
      if (t.shape.join('x') !== v.shape.join('x')) {
        throw new Error(
          `Checkpoint tensor ${t.name} has shape [${t.shape}], the network has [${v.shape}]: use the run's own config.json.`,
        );
      }
    }
  }
  if (state.envState.length !== s.envState.length) {
    throw new Error(
      `${where(ckpt, name)}: envState: ${state.envState.length} values, the trainer keeps ${s.envState.length} ` +
        "(the global state of a centralised critic): resume with the run's own config.json and env.",
    );
  }
}

/** Put a checkpoint that passed checkFits into `s`: weights, optimiser, normalisers, observations, Rng, counters. */
export function restoreState(ckpt: Checkpoint, s: TrainerState): void {
  const { state, tensors } = ckpt;
  for (const spec of s.specs) {
    const st = s.roles[spec.name];
    const saved = state.roles[spec.name];
    tf.tidy(() => {
      for (const v of st.policy.stateVariables()) {
        const t = tensors.get(stableName(s.scope, v.name))!;
        v.assign(tf.tensor(t.data, t.shape));
      }
    });
    st.policy.optimizer.step = state.adamSteps[spec.name] ?? 0;
    st.obs.set(saved.obs);
    st.active.set(saved.active);
    st.epReturn.set(saved.epReturn);
    st.epLength.set(saved.epLength);
    st.rms = saved.rms ? RunningMeanStd.fromJSON(saved.rms) : st.rms;
    st.best = saved.best ?? Number.NEGATIVE_INFINITY;
  }
  s.rng = Rng.fromState(normalizeRngState(state.rng));
  s.globalStep = state.globalStep;
  s.iteration = state.iteration;
  s.envState.set(state.envState);
}

/**
 * Restore the env's snapshot; false when the env cannot take one. Throws, naming the file, when the
 * env can but the checkpoint holds none, or the env refuses the snapshot.
 */
export function restoreEnv(ckpt: Checkpoint, env: BatchedEnv): boolean {
  if (!canSnapshot(env)) return false;
  const file = where(ckpt, 'latest');
  if (ckpt.state.env === null || ckpt.state.env === undefined) {
    throw new Error(
      `${file}: env: ${ckpt.state.env === null ? 'null' : 'missing'}, but this env snapshots its state, so a ` +
        'checkpoint of it holds one: it was written by another env, or damaged or edited. Resume with the ' +
        "run's own env (its cli.json).",
    );
  }
  try {
    env.restore(ckpt.state.env);
  } catch (err) {
    throw new Error(
      `${file}: env: the env refused the snapshot (${(err as Error).message}): the checkpoint belongs to another ` +
        "env or version, or was damaged. Resume with the run's own env (its cli.json) and copronet version.",
    );
  }
  return true;
}

/** A variable's name without this trainer's scope prefix (the name in the checkpoint). */
function stableName(scope: string, varName: string): string {
  return varName.startsWith(`${scope}/`) ? varName.slice(scope.length + 1) : varName;
}

function normalizeRngState(s: ReturnType<Rng['state']>): RngState & { spare?: number } {
  return { c: s.c, s0: s.s0, s1: s.s1, s2: s.s2, spare: s.spare ?? undefined };
}
