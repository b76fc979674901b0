/**
 * What the experiments are, without them: name, figures and one-line summary
 * of each, in report order, for the command line's help and its check of
 * `<name>` (the experiments themselves load the simulator and the plotting).
 * Each experiment takes its `name`, `figures` and `summary` from here
 * (`catalogEntry`), so they are written once.
 */

export interface ExperimentEntry {
  name: string;
  /** Which figures of the paper, e.g. `Fig. 2` (or `beyond the paper`). */
  figures: string;
  /** One line for `--help` and the report. */
  summary: string;
}

/** The figure experiments, in report order (`paper` runs them all). */
export const EXPERIMENT_CATALOG: readonly ExperimentEntry[] = [
  {
    name: 'slashing',
    figures: 'Fig. 2',
    summary: 'active operators and cumulative reward over time for slashing factors 0 to 4',
  },
  {
    name: 'reward-distribution',
    figures: 'Fig. 3',
    summary: 'per-period reward quantiles across operators and their Gini over time',
  },
  {
    name: 'reputation',
    figures: 'Fig. 4',
    summary: 'operator reputation vs total reward (scatter, Spearman rank correlation)',
  },
  {
    name: 'task-flow',
    figures: 'Fig. 5',
    summary: 'operator -> coprocessor task-flow network (weighted bipartite graph)',
  },
  {
    name: 'coprocessor-load',
    figures: 'Fig. 6',
    summary: 'coprocessor load vs reward per period, spread of reward by load bin',
  },
  {
    name: 'task-distribution',
    figures: 'Fig. 7',
    summary: 'tasks per coprocessor over time (heat map over period bins)',
  },
  {
    name: 'load-curve',
    figures: 'Figs. 8-9',
    summary: 'the load curve Lambda(L) with its constants; coprocessor load vs reward coloured by alpha',
  },
  {
    name: 'sweep-slashing',
    figures: 'beyond the paper (open question 6.1)',
    summary:
      'grid over slashing factor and load-curve b, L*: welfare, active operators, undetected shirks; the frontier',
  },
  {
    name: 'mechanisms',
    figures: 'beyond the paper',
    summary:
      'all 5 auction mechanisms on the same seeds, paired against scoring-dutch: operator cost, profits, completion, load balance, survival',
  },
];

/**
 * The experiments that run alone, never as part of `paper` (which is baseline-only and fast):
 * each has its own scales and seeds.
 */
export const STANDALONE_CATALOG: readonly ExperimentEntry[] = [
  {
    name: 'auction-theory',
    figures: 'auction theory',
    summary:
      'on auction-lab, one coprocessor bids a fixed markup against truthful bidders: second-price peaks at 0, first-price and scoring-dutch shade',
  },
  {
    name: 'strategic',
    figures: 'beyond the paper (open question 6.1)',
    summary:
      'slashing factor x detection probability with both roles trained by PPO per cell, beside the fixed paper-heuristic: choices, integrity, participation',
  },
];

/** Experiment names accepted by `runExperiment` (`paper` runs the figure experiments; the standalone ones run alone). */
export const EXPERIMENT_NAMES: readonly string[] = [
  'paper',
  ...EXPERIMENT_CATALOG.map((e) => e.name),
  ...STANDALONE_CATALOG.map((e) => e.name),
];

/** The catalog entry of an experiment, spread into its `Experiment` object (or its report). */
export function catalogEntry(name: string): ExperimentEntry {
  const entry = [...EXPERIMENT_CATALOG, ...STANDALONE_CATALOG].find((e) => e.name === name);
  if (!entry) throw new Error(`experiments/catalog.ts has no entry '${name}'`);
  return { ...entry };
}
