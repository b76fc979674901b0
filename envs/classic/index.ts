/**
 * Classic single-agent environments, registered on import:
 * `CartPole-v1` (500-step time limit) and `ContinuousBandit-v0`.
 */
import { register, registry } from '../../src/core/registry.ts';
import { ContinuousBandit, type ContinuousBanditOptions } from './bandit.ts';
import { CartPoleEnv, type CartPoleOptions } from './cartpole.ts';

export { type BanditRole, BatchedBandit, type BatchedBanditOptions, ContinuousBandit } from './bandit.ts';
export { CartPoleEnv } from './cartpole.ts';

if (!registry.has('CartPole-v1')) {
  register('CartPole-v1', (kw) => new CartPoleEnv(kw as CartPoleOptions), {
    kind: 'env',
    maxEpisodeSteps: 500,
    kwargNames: ['renderMode', 'suttonBartoReward'] satisfies (keyof CartPoleOptions)[],
  });
}
if (!registry.has('ContinuousBandit-v0')) {
  register('ContinuousBandit-v0', (kw) => new ContinuousBandit(kw as ContinuousBanditOptions), {
    kind: 'env',
    kwargNames: ['target', 'noise', 'horizon', 'renderMode'] satisfies (keyof ContinuousBanditOptions)[],
  });
}
