/**
 * A trained role of a `Trainer` as a simulator `Policy` (what `eval`, `exploit`
 * and the experiments run learned agents as).
 */
import type { Trainer } from '../../agents/trainer/trainer.ts';
import { Rng } from '../../src/core/rng.ts';
import type { Policy, Role } from '../../src/sim/policy.ts';

export interface TrainedPolicyOptions {
  /** Take the Beta mean / the most likely category instead of sampling. @default true */
  deterministic?: boolean;
  /** Seed of the generator a stochastic policy samples from. @default 0 */
  seed?: number;
  /** Name shown in reports. @default `learned (deterministic)` / `learned (stochastic)` */
  name?: string;
}

/** The trainer's current policy of `role`, acting for a batch of that role's slots. */
export function trainedPolicy(trainer: Trainer, role: Role, opts: TrainedPolicyOptions = {}): Policy {
  const spec = trainer.roles.find((r) => r.name === role);
  if (!spec)
    throw new Error(
      `the trainer has no role '${role}' (it trains ${trainer.roles.map((r) => r.name).join(', ')})`,
    );
  const D = spec.obsDim;
  const deterministic = opts.deterministic ?? true;
  const rng = new Rng(`eval:${role}:${opts.seed ?? 0}`);
  return {
    name: opts.name ?? `learned (${deterministic ? 'deterministic' : 'stochastic'})`,
    act(obs, _active, n, out) {
      out.set(trainer.act(role, obs.subarray(0, n * D), { deterministic, rng }));
    },
  };
}
