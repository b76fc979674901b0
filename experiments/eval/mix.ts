/**
 * The mixed market's split of a role's slots; `mixPolicies` (in src/sim/policy.ts,
 * where the environment's opponent mix uses it too) combines two policies over it.
 */
export { type MixOptions, mixPolicies } from '../../src/sim/policy.ts';

/** A mask over `n` slots: slots `0..floor(n/2)-1` when `firstHalf`, the rest otherwise. */
export function halfMask(n: number, firstHalf: boolean): Uint8Array {
  const mask = new Uint8Array(n);
  const h = Math.floor(n / 2);
  for (let i = 0; i < n; i++) mask[i] = i < h === firstHalf ? 1 : 0;
  return mask;
}
