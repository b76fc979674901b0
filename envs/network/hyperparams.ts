/**
 * PPO hyperparameters tuned for the coprocessor network (as RL Zoo keeps one
 * set per environment): what `copronet train --scenario ...` starts from,
 * under `--config` and `--set`. Everything else keeps the CleanRL defaults of
 * agents/ppo/config.ts.
 *
 * Measured on `quick` under `scoring-dutch` (README, "Learning on quick"):
 * with CleanRL's learningRate 2.5e-4, entCoef 0.01 and gamma 0.99 the learned
 * coprocessors kept shirking (about 4% of their tasks) and tied the
 * conservative half of the mixed market; with these they stop shirking and
 * separate from every baseline half on seeds 1, 2 and 7, in the same 500k samples.
 */
export const NETWORK_PPO_DEFAULTS = {
  /** A period's profit is a noisy, mostly myopic signal: a larger step than CleanRL's 2.5e-4. */
  learningRate: 1e-3,
  /** No entropy bonus: a Beta policy that must put its mass below the shirk dead zone cannot keep it wide. */
  entCoef: 0,
  /** A horizon of about 20 periods: actions pay off within the period or through reputation soon after. */
  gamma: 0.95,
} as const;
