/**
 * PPO hyperparameters (CleanRL's `ppo.py` Args as the starting point), on top
 * of the fields every copronet learner shares (`agents/common/config.ts`).
 */
import { z } from 'zod';
import { BaseLearnerConfigSchema } from '../common/config.ts';

export { type BaseLearnerConfig, BaseLearnerConfigSchema } from '../common/config.ts';

export const PpoConfigSchema = BaseLearnerConfigSchema.extend({
  /**
   * Minibatches per epoch (the last one padded and masked so all have the same shape).
   * @default 4
   */
  numMinibatches: z.number().int().positive().default(4),
  /**
   * Epochs over the rollout per iteration.
   * @default 4
   */
  updateEpochs: z.number().int().positive().default(4),
  /**
   * Surrogate clipping coefficient.
   * @default 0.2
   */
  clipCoef: z.number().positive().default(0.2),
  /**
   * Clip the value loss around the rollout's values (with `clipCoef`).
   * @default true
   */
  clipVloss: z.boolean().default(true),
  /**
   * Stop the epochs early when the approximate KL exceeds this (null: never).
   * @default null
   */
  targetKl: z.number().positive().nullable().default(null),
});

export type PpoConfig = z.infer<typeof PpoConfigSchema>;
export type PpoConfigInput = z.input<typeof PpoConfigSchema>;
