/**
 * `copronet/envs`: the environments and what they need.
 *
 * Importing this module registers `CoprocessorNetwork-v0`, `CartPole-v1` and
 * `ContinuousBandit-v0` (see `make` in `copronet`).
 */
export * from './classic/index.ts';
export * from './network/index.ts';
export {
  BASELINES,
  type BaselineContext,
  type BaselineName,
  isBaseline,
  makeBaseline,
  makeBaselineSet,
  markupPolicy,
} from './network/baselines.ts';
export { builtinScenarioJson, builtinScenarios, loadScenario } from './scenarios/index.ts';
