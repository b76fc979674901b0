/**
 * What ties the network environment to the trainer, the dashboard and the
 * evaluation, re-exported from the floors below, where jobs use them too:
 * building the batched env of a scenario with fixed opponents and the
 * baselines' reference returns (envs/network/make-env.ts), the market stream
 * of a training run (experiments/train/market.ts), and loading a run's
 * learned policies back as simulator policies (experiments/eval/learned-run.ts).
 */
export {
  baselineReturns,
  makeNetworkEnv,
  type OpponentSpec,
  splitNetworkOverrides,
} from '../../../envs/network/make-env.ts';
export {
  attachMarket,
  marketLine,
  marketSnapshot,
  truncateMarketLog,
} from '../../../experiments/train/market.ts';
export { loadLearnedPolicies } from '../../../experiments/eval/learned-run.ts';
