/**
 * copronet's public API: the environment contract (spaces, Env, ParallelEnv,
 * batched view, wrappers, vector envs, registry, checker), the network
 * simulator and its environments, and the scenario config.
 *
 * Importing this module registers `CoprocessorNetwork-v0`, `CartPole-v1` and
 * `ContinuousBandit-v0`.
 */
import '../envs/network/index.ts';
import '../envs/classic/index.ts';

export type { ActionSpec, BatchedEnv, RoleObservation, RoleSpec, RoleTransition } from './core/batched.ts';
export { actionDim } from './core/batched.ts';
export {
  type CheckReport,
  checkBatchedEnv,
  checkEnv,
  checkParallelEnv,
  EnvCheckError,
} from './core/checker/index.ts';
export type {
  Env,
  EnvMetadata,
  Info,
  ParallelEnv,
  ParallelStepResult,
  ResetOptions,
  StepResult,
} from './core/env.ts';
export { make, makeEnv, makeParallel, register, registry, spec, type EnvSpec } from './core/registry.ts';
export { Rng, type RngState } from './core/rng.ts';
export { RunningMeanStd } from './core/running-stats.ts';
export * from './core/spaces/index.ts';
export type { MarketSnapshot, TrainerEvent } from './core/train-events.ts';
export { BatchedFromVector, SyncVectorEnv } from './core/vector.ts';
export * from './core/wrappers/index.ts';
export { builtinScenarios, loadScenario } from '../envs/scenarios/index.ts';
export {
  parseScenario,
  parseOverrides,
  type Scenario,
  SCENARIO_LIMITS,
  ScenarioError,
  type ScenarioInput,
  ScenarioSchema,
} from './sim/scenario.ts';
export { type EpisodeSummary, runEpisode } from './sim/episode.ts';
export { NetworkSim, type SimListener } from './sim/network.ts';
export type { Policy, PolicySet, Role } from './sim/policy.ts';
export { BASELINES, makeBaseline, makeBaselineSet } from '../envs/network/baselines.ts';
export {
  CoprocessorNetworkEnv,
  type CoprocessorNetworkOptions,
  NetworkBatchedEnv,
  type NetworkEvent,
} from '../envs/network/index.ts';
export { CartPoleEnv, ContinuousBandit } from '../envs/classic/index.ts';
