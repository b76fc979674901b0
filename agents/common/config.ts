/**
 * The fields every copronet learner shares (PPO and REINFORCE extend them).
 *
 * Step counts are in samples: one env step of a BatchedEnv with S slots over
 * all roles is S samples (CleanRL counts `num_envs` per step the same way).
 */
import { z } from 'zod';

export const BaseLearnerConfigSchema = z.object({
  /**
   * Seed of the run: network initialisation, action sampling, minibatch order and the env's reset.
   * @default 1
   */
  seed: z.number().int().default(1),
  /**
   * Total number of samples (slot-steps over all roles) to train on.
   * @default 500000
   */
  totalTimesteps: z.number().int().positive().default(500_000),
  /**
   * Adam learning rate (annealed linearly to 0 when `annealLr`).
   * @default 0.00025
   */
  learningRate: z.number().positive().default(2.5e-4),
  /**
   * Anneal the learning rate linearly to 0 over the run.
   * @default true
   */
  annealLr: z.boolean().default(true),
  /**
   * Env steps per rollout (per iteration); the batch of a role is `numSteps * count`.
   * @default 128
   */
  numSteps: z.number().int().positive().default(128),
  /**
   * Discount factor.
   * @default 0.99
   */
  gamma: z.number().min(0).max(1).default(0.99),
  /**
   * Lambda of generalised advantage estimation.
   * @default 0.95
   */
  gaeLambda: z.number().min(0).max(1).default(0.95),
  /**
   * Normalise advantages per minibatch (over live slots).
   * @default true
   */
  normAdv: z.boolean().default(true),
  /**
   * Weight of the entropy bonus.
   * @default 0.01
   */
  entCoef: z.number().min(0).default(0.01),
  /**
   * Weight of the value loss.
   * @default 0.5
   */
  vfCoef: z.number().min(0).default(0.5),
  /**
   * Maximum global L2 norm of the gradient (clipped above it).
   * @default 0.5
   */
  maxGradNorm: z.number().positive().default(0.5),
  /**
   * Adam epsilon.
   * @default 0.00001
   */
  adamEps: z.number().positive().default(1e-5),
  /**
   * Hidden layer widths of the policy and value networks.
   * @default [64, 64]
   */
  hiddenSizes: z.array(z.number().int().positive()).min(1).default([64, 64]),
  /**
   * Hidden activation.
   * @default 'tanh'
   */
  activation: z.enum(['tanh', 'relu']).default('tanh'),
  /**
   * Normalise observations per role with running mean / variance (saved in checkpoints).
   * @default false
   */
  normObs: z.boolean().default(false),
  /**
   * Clip normalised observations to [-obsClip, obsClip].
   * @default 10
   */
  obsClip: z.number().positive().default(10),
  /**
   * Value network on `[own observation, env.state()]` instead of the observation alone (MAPPO-style).
   * @default false
   */
  centralizedCritic: z.boolean().default(false),
  /**
   * On truncation (time limit), add gamma * V(final observation) to the last reward instead of treating
   * the cut-off as terminal.
   * @default true
   */
  bootstrapTruncated: z.boolean().default(true),
  /**
   * Write `checkpoints/latest` every this many iterations (0: only at the end and on request).
   * @default 10
   */
  checkpointEvery: z.number().int().min(0).default(10),
  /**
   * Yield to the event loop at least this often (milliseconds), so a dashboard can render.
   * @default 30
   */
  yieldMs: z.number().positive().default(30),
  /**
   * Share each update with a second thread (agents/trainer/update-thread.ts): it evaluates every
   * big role's rollout while the rollout is collected and computes the later pieces of each
   * minibatch; the numbers are those of one thread, bit for bit. It needs the wasm or cpu backend.
   * `auto` uses it where, besides, some role's minibatches split into two or more pieces (more
   * than 4,000 rows: smaller updates take milliseconds), the machine has two cores (two per job a
   * `copronet worker` runs at once) and the trainer runs on the main thread (not in a pool's
   * worker, whose cores the pool already uses); `true` wherever the backend allows; `false` never.
   * @default 'auto'
   */
  parallelUpdate: z.union([z.boolean(), z.literal('auto')]).default('auto'),
});

export type BaseLearnerConfig = z.infer<typeof BaseLearnerConfigSchema>;

/** Metrics of one role's update (no role suffix), e.g. `losses/value_loss`. */
export type UpdateMetrics = Record<string, number>;
