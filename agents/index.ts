/**
 * `copronet/agents`: the learners (PPO and REINFORCE on TensorFlow.js), the
 * trainer that runs them on any `BatchedEnv`, and its run folders.
 */
export { type BaseLearnerConfig, BaseLearnerConfigSchema, type UpdateMetrics } from './common/config.ts';
export { computeGae, explainedVariance, type GaeInput, RoleRollout } from './common/buffer.ts';
export { type PpoConfig, type PpoConfigInput, PpoConfigSchema } from './ppo/config.ts';
export { ppoUpdate } from './ppo/ppo.ts';
export {
  type ReinforceConfig,
  type ReinforceConfigInput,
  ReinforceConfigSchema,
} from './reinforce/config.ts';
export { reinforceUpdate } from './reinforce/reinforce.ts';
export { type BackendInfo, type BackendName, backendInfo, initBackend } from './tf/backend.ts';
export { type PolicyOptions, RolePolicy } from './tf/policy.ts';
export { type Checkpoint, RunDir } from './trainer/run-dir.ts';
export {
  type Algo,
  type LearnerConfig,
  type ResumeOptions,
  resolveConfig,
  resume,
  Trainer,
  type TrainerOptions,
} from './trainer/trainer.ts';
