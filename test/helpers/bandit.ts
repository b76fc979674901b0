import { BatchedBandit } from '../../envs/classic/bandit.ts';

/** A BatchedBandit of two roles (4 slots with a 1-d target, 2 with a 2-d one) over 3 steps, ejecting with probability 0.3. */
export function ejectingBandit(): BatchedBandit {
  return new BatchedBandit({
    roles: [
      { name: 'a', count: 4, target: [0.5] },
      { name: 'b', count: 2, target: [0.2, 0.4], low: -1, high: 1 },
    ],
    horizon: 3,
    ejectProb: 0.3,
  });
}
