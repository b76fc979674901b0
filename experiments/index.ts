/**
 * `copronet/experiments`: the runnable experiments (figures, sweeps, auction
 * theory) and the evaluation of learned policies against the baselines.
 */
export * from './eval/index.ts';
export * from './registry.ts';
