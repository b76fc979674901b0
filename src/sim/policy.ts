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

/** Options of `mixPolicies`. */
export interface MixOptions {
  /** Actions per agent. @default out.length / n at each call */
  actionDim?: number;
  /** Name of the mixed policy. @default `${a.name}+${b.name}` */
  name?: string;
}

/**
 * A mixed population in one role: a policy whose row `i` is `a`'s action when `maskA[i]` is non-zero and `b`'s
 * otherwise. Both policies see the full batch (so their internal state and
 * random draws do not depend on the assignment); only rows are picked.
 */
export function mixPolicies(a: Policy, b: Policy, maskA: ArrayLike<number>, opts: MixOptions = {}): Policy {
  let bufA = new Float32Array(0);
  let bufB = new Float32Array(0);
  return {
    name: opts.name ?? `${a.name}+${b.name}`,
    act(obs, active, n, out) {
      if (n === 0) return;
      if (maskA.length < n) {
        throw new Error(
          `mixPolicies: the mask covers ${maskA.length} agents but the batch has ${n}; pass one entry per agent`,
        );
      }
      const dim = opts.actionDim ?? out.length / n;
      if (!Number.isInteger(dim) || dim <= 0) {
        throw new Error(
          `mixPolicies: cannot infer the action size from ${out.length} outputs for ${n} agents; pass actionDim`,
        );
      }
      const len = n * dim;
      if (bufA.length < len) {
        bufA = new Float32Array(len);
        bufB = new Float32Array(len);
      }
      const outA = bufA.subarray(0, len);
      const outB = bufB.subarray(0, len);
      outA.set(out.subarray(0, len));
      outB.set(out.subarray(0, len));
      a.act(obs, active, n, outA);
      b.act(obs, active, n, outB);
      for (let i = 0; i < n; i++) {
        const src = maskA[i] ? outA : outB;
        out.set(src.subarray(i * dim, (i + 1) * dim), i * dim);
      }
    },
  };
}
