/**
 * The coprocessor network environments, registered on import as
 * `CoprocessorNetwork-v0` (parallel, multi-agent).
 */
import { register, registry } from '../../src/core/registry.ts';
import { CoprocessorNetworkEnv, networkOptionsFromKwargs } from './parallel.ts';

export { type NetworkEnvOptions, NetworkBatchedEnv, type NetworkEvent, type OpponentMix } from './batched.ts';
export {
  CoprocessorNetworkEnv,
  type CoprocessorNetworkOptions,
  networkOptionsFromKwargs,
} from './parallel.ts';
export { NETWORK_PPO_DEFAULTS } from './hyperparams.ts';
export { STATE, STATE_DIM, STATE_HIGH, STATE_LOW, STATE_NAMES } from './state.ts';
export {
  COPROCESSOR_OBS,
  MARKET_OBS_NAMES,
  type ObsEntry,
  type ObsLayout,
  OPERATOR_OBS,
} from '../../src/sim/observation.ts';

if (!registry.has('CoprocessorNetwork-v0')) {
  register('CoprocessorNetwork-v0', (kw) => new CoprocessorNetworkEnv(networkOptionsFromKwargs(kw)), {
    kind: 'parallel',
  });
}
