/**
 * REINFORCE-with-baseline hyperparameters: the shared learner fields with
 * defaults suited to a plain Monte Carlo policy gradient (lambda 1: the
 * advantage is the discounted return minus the learned baseline).
 */
import { z } from 'zod';
import { BaseLearnerConfigSchema } from '../common/config.ts';

export const ReinforceConfigSchema = BaseLearnerConfigSchema.extend({
  /**
   * Adam learning rate (annealed linearly to 0 when `annealLr`).
   * @default 0.001
   */
  learningRate: z.number().positive().default(1e-3),
  /**
   * Lambda of the advantage estimate: 1 is the Monte Carlo return minus the baseline.
   * @default 1
   */
  gaeLambda: z.number().min(0).max(1).default(1),
  /**
   * Minibatches per iteration: 1 is the classic single gradient step on the whole rollout.
   * @default 1
   */
  numMinibatches: z.number().int().positive().default(1),
});

export type ReinforceConfig = z.infer<typeof ReinforceConfigSchema>;
export type ReinforceConfigInput = z.input<typeof ReinforceConfigSchema>;
