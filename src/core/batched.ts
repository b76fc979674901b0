/**
 * The batched, role-grouped view of an environment: what the trainer uses.
 *
 * Agents are grouped by role (operators, coprocessors; or copies of a
 * single-agent env under one role `agent`). Each role has a fixed number of
 * slots; observations and actions are flat `Float32Array`s of `count * dim`
 * entries in slot order, and an `active` mask says which slots are live.
 *
 * Arrays returned by `reset` and `step` are owned by the environment and are
 * overwritten by the next call: copy what you keep.
 *
 * Episode ends use same-step autoreset in this view: when `done[i]` is set
 * (terminated or truncated), the observation returned for slot i already
 * belongs to the next episode; `finalObs` then holds the last observation of
 * the finished one (for bootstrapping truncated episodes).
 */

export type ActionSpec =
  /** Continuous actions; the env clips to [low, high]. */
  | { kind: 'box'; dim: number; low: Float32Array; high: Float32Array }
  /** One categorical choice in 0..n-1, passed as a float. */
  | { kind: 'discrete'; n: number };

export interface RoleSpec {
  /** `operator`, `coprocessor`, or `agent` for single-agent envs. */
  readonly name: string;
  /** Number of slots of this role. */
  readonly count: number;
  readonly obsDim: number;
  readonly action: ActionSpec;
}

export interface RoleObservation {
  /** `count * obsDim` observations. */
  obs: Float32Array;
  /** 1 where the slot is live and will act on the next step. */
  active: Uint8Array;
}

export interface RoleTransition extends RoleObservation {
  /** Reward of each slot for the step just taken (0 for slots that did not act). */
  rewards: Float32Array;
  /** 1 where the slot's episode ended in a terminal state on this step. */
  terminated: Uint8Array;
  /** 1 where the slot's episode was cut off (time limit) on this step. */
  truncated: Uint8Array;
  /** Last observations of slots whose episode ended on this step (`count * obsDim`); other rows unspecified. */
  finalObs: Float32Array;
}

export interface BatchedEnv {
  readonly roles: readonly RoleSpec[];
  /** Size of the global state vector (`state()`), for centralised critics. */
  readonly stateDim: number;
  reset(seed?: number): Record<string, RoleObservation>;
  /** `actions[role]` holds `count * actionDim` entries (1 per slot for discrete). Inactive slots are ignored. */
  step(actions: Record<string, Float32Array>): Record<string, RoleTransition>;
  /** Global state after the last reset/step, written into `out` when given. */
  state(out?: Float32Array): Float32Array;
  close(): void;
}

/** Width of one action row for a role. */
export function actionDim(spec: ActionSpec): number {
  return spec.kind === 'box' ? spec.dim : 1;
}
