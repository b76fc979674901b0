/**
 * Evaluation of learned policies against the fixed baselines: public API.
 */
export { type EvalEpisode, runEvalEpisode } from './episode.ts';
export {
  type EvaluateOptions,
  type EvaluationResult,
  episodeMetrics,
  evaluate,
  METRICS,
  type MetricDef,
  type MetricKey,
  type MixedRow,
  type PopulationRow,
  type RoleTable,
  type Verdict,
  verdicts,
} from './evaluate.ts';
export { halfMask, type MixOptions, mixPolicies } from './mix.ts';
export { formatJson, formatMarkdown, writeReport } from './report.ts';
export { assertHeldOut, HELD_OUT_SEED_START, type HeldOutSeeds, heldOutSeeds } from './seeds.ts';
export {
  type Aggregate,
  aggregateIqm,
  aggregateMean,
  type BootstrapOptions,
  DEFAULT_BOOTSTRAP,
  type Interval,
  intervalsOverlap,
  iqm,
  type MetricSummary,
  mean,
  percentileSorted,
  type ScoreMatrix,
  stratifiedBootstrapCis,
  summarize,
  trimMean,
} from './stats.ts';
