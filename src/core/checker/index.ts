/**
 * The environment checkers (`checkEnv`, `checkParallelEnv`, `checkBatchedEnv`;
 * see drivers.ts) and what they report. The named checks live in the other
 * files of this folder, one concept per file.
 */
export { dataEquivalent } from './data.ts';
export {
  type CheckBatchedEnvOptions,
  type CheckEnvOptions,
  type CheckParallelEnvOptions,
  checkBatchedEnv,
  checkEnv,
  checkParallelEnv,
} from './drivers.ts';
export { type CheckReport, EnvCheckError, type EnvFactory } from './report.ts';
