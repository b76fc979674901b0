/** The environment checkers (see drivers.ts). */
export {
  type CheckEnvOptions,
  type CheckParallelEnvOptions,
  type CheckReport,
  checkEnv,
  checkParallelEnv,
  dataEquivalent,
  EnvCheckError,
  type EnvFactory,
} from './drivers.ts';
