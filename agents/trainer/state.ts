/**
 * What a trainer changes while it trains: per role the networks, the rollout
 * buffer, the observation normaliser, the current observations and the
 * episodes in progress; overall the Rng and the counters. A checkpoint holds
 * all of it (checkpoint.ts); the loop in trainer.ts reads and writes it.
 */
import type { RoleSpec } from '../../src/core/batched.ts';
import { actionDim } from '../../src/core/batched.ts';
import { Rng } from '../../src/core/rng.ts';
import { RunningMeanStd } from '../../src/core/running-stats.ts';
import { RoleRollout } from '../common/buffer.ts';
import { type PolicyOptions, RolePolicy } from '../tf/policy.ts';
import type { LearnerConfig } from './config.ts';

export interface RoleState {
  spec: RoleSpec;
  policy: RolePolicy;
  rollout: RoleRollout;
  rms: RunningMeanStd | null;
  /** Current observation (normalised when normObs), live mask. */
  obs: Float32Array;
  active: Uint8Array;
  /** Scratch rows of one step's actions: raw (as the learner sees them) and as the env takes them. */
  raw: Float32Array;
  envAct: Float32Array;
  /** Return and length of the episode in progress, per slot. */
  epReturn: Float64Array;
  epLength: Int32Array;
  /** Episodes finished since the last iteration's metrics. */
  finishedReturns: number[];
  finishedLengths: number[];
  /** Best mean episodic return of an iteration so far. */
  best: number;
}

export interface TrainerState {
  /** The env's roles, in order. */
  readonly specs: readonly RoleSpec[];
  /** Per role, by name. */
  readonly roles: Record<string, RoleState>;
  /** The env's global state for a centralised critic (empty without one). */
  readonly envState: Float32Array;
  /** Prefix of this trainer's tf variable names (tfjs needs them unique); checkpoints drop it. */
  readonly scope: string;
  /** Samples every action and shuffles every minibatch order. */
  rng: Rng;
  /** Samples trained on so far. */
  globalStep: number;
  /** Iterations completed so far. */
  iteration: number;
}

/** The options of a role's networks under a config (also what a second update thread builds them with). */
export function policyOptions(
  spec: Pick<RoleSpec, 'obsDim'>,
  cfg: LearnerConfig,
  stateDim: number,
  scope: string,
): PolicyOptions {
  return {
    hidden: cfg.hiddenSizes,
    activation: cfg.activation,
    seed: cfg.seed,
    criticInputDim: spec.obsDim + stateDim,
    adamEps: cfg.adamEps,
    scope,
  };
}

/** A fresh state: new networks and Rng (both seeded by `cfg.seed`), empty buffers, counters at 0. */
export function createTrainerState(
  specs: readonly RoleSpec[],
  cfg: LearnerConfig,
  stateDim: number,
  scope: string,
): TrainerState {
  const roles: Record<string, RoleState> = {};
  for (const spec of specs) {
    const policy = new RolePolicy(spec, policyOptions(spec, cfg, stateDim, scope));
    const rollout = new RoleRollout({
      numSteps: cfg.numSteps,
      count: spec.count,
      obsDim: spec.obsDim,
      rawDim: policy.rawDim,
      stateDim,
    });
    roles[spec.name] = {
      spec,
      policy,
      rollout,
      rms: cfg.normObs ? new RunningMeanStd(spec.obsDim) : null,
      obs: new Float32Array(spec.count * spec.obsDim),
      active: new Uint8Array(spec.count),
      raw: new Float32Array(spec.count * policy.rawDim),
      envAct: new Float32Array(spec.count * actionDim(spec.action)),
      epReturn: new Float64Array(spec.count),
      epLength: new Int32Array(spec.count),
      finishedReturns: [],
      finishedLengths: [],
      best: Number.NEGATIVE_INFINITY,
    };
  }
  return {
    specs,
    roles,
    envState: new Float32Array(Math.max(stateDim, 0)),
    scope,
    rng: new Rng(`trainer:${cfg.seed}`),
    globalStep: 0,
    iteration: 0,
  };
}
