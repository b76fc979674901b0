/**
 * Policies plug into the simulator per role as functions from a batch of
 * observations to a batch of actions. The simulator knows nothing of tfjs.
 */
export type Role = 'operator' | 'coprocessor';

export const ROLES: readonly Role[] = ['operator', 'coprocessor'];

export interface Policy {
  /** Name shown in summaries, e.g. `paper-heuristic`. */
  readonly name: string;
  /**
   * Write actions for a batch: `obs` holds `n * obsDim` entries, `out` receives
   * `n * actionDim` entries in [0, 1]. Rows whose `active` entry is 0 may be left as they are.
   */
  act(obs: Float32Array, active: Uint8Array, n: number, out: Float32Array): void;
  /** A policy that draws random numbers: its generator state, so an environment snapshot can include it. */
  snapshot?(): unknown;
  /** Restore what `snapshot` returned. */
  restore?(state: unknown): void;
}

export interface PolicySet {
  operator: Policy;
  coprocessor: Policy;
}
