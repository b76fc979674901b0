/**
 * The update of a trainer's later roles on a second thread, while the first
 * role updates on the trainer's own: on two cores an iteration's update then
 * takes about as long as its slowest role instead of the sum of all.
 *
 * The roles' updates share nothing but the trainer's `Rng`, which shuffles
 * every role's minibatches in turn (first role first). How many draws a role's
 * update takes depends only on its live rows and its number of epochs, so the
 * trainer advances a copy of the generator past the first role's draws
 * (`skipMinibatchOrders`) and hands the second thread that state: each role
 * then gets exactly the shuffles it gets when the roles update one after the
 * other, and the run is the same, bit for bit. An early stop (`targetKl`)
 * decides the first role's epochs only as it runs, so it rules this out.
 *
 * The thread holds no state between updates: each request carries the roles'
 * flat parameters and Adam moments (`RolePolicy.flatState`) and their
 * rollouts, and the reply the new parameters, what `prepareRollout` wrote into
 * the rollouts, the metrics and the generator's state after the last role.
 * Checkpoints and resumes are unaffected.
 */
import { Worker } from 'node:worker_threads';
import type { ActionSpec } from '../../src/core/batched.ts';
import type { Rng } from '../../src/core/rng.ts';
import { workerEntry } from '../../src/core/worker-entry.ts';
import type { RoleRollout, RolloutShape } from '../common/buffer.ts';
import type { UpdateMetrics } from '../common/config.ts';
import { prepareRollout } from '../common/prepare.ts';
import type { PpoConfig } from '../ppo/config.ts';
import { ppoUpdate } from '../ppo/ppo.ts';
import type { ReinforceConfig } from '../reinforce/config.ts';
import { reinforceUpdate } from '../reinforce/reinforce.ts';
import type { BackendName } from '../tf/backend.ts';
import type { FlatPolicyState, PolicyOptions, RolePolicy } from '../tf/policy.ts';
import type { Algo, LearnerConfig } from './config.ts';

/**
 * One role's update on its collected rollout: log-probabilities, values and advantages (GAE),
 * then PPO's epochs or REINFORCE's pass. The same on either thread.
 */
export function updateRole(
  algo: Algo,
  policy: RolePolicy,
  ro: RoleRollout,
  cfg: LearnerConfig,
  lr: number,
  rng: Rng,
  maybeYield?: () => Promise<void>,
): Promise<UpdateMetrics> {
  // ALGO LOGIC: log-probabilities, values and advantages (GAE) of the rollout
  prepareRollout(policy, ro, cfg);
  return algo === 'ppo'
    ? ppoUpdate(policy, ro, cfg as PpoConfig, lr, rng, maybeYield)
    : reinforceUpdate(policy, ro, cfg as ReinforceConfig, lr, rng, maybeYield);
}

/** How many minibatch orders (shuffles of the live rows) one role's update draws; null when that is known only as it runs. */
export function updateShuffles(algo: Algo, cfg: LearnerConfig): number | null {
  if (algo === 'reinforce') return 1;
  const ppo = cfg as PpoConfig;
  return ppo.targetKl === null ? ppo.updateEpochs : null;
}

/** The rollout arrays the update reads. */
export const ROLLOUT_INPUTS = [
  'obs',
  'raw',
  'rewards',
  'dones',
  'active',
  'finalObs',
  'truncatedOnly',
  'states',
  'nextObs',
  'nextActive',
  'nextState',
] as const satisfies readonly (keyof RoleRollout)[];
/** The rollout arrays `prepareRollout` writes (the rewards take the bootstrap of truncated steps). */
export const ROLLOUT_OUTPUTS = [
  'rewards',
  'logp',
  'values',
  'advantages',
  'returns',
] as const satisfies readonly (keyof RoleRollout)[];

type Inputs = { [K in (typeof ROLLOUT_INPUTS)[number]]: RoleRollout[K] };
type Outputs = { [K in (typeof ROLLOUT_OUTPUTS)[number]]: RoleRollout[K] };

/** One role of a request: how to build its networks, their state, and its rollout. */
export interface RoleUpdateRequest {
  spec: { name: string; count: number; obsDim: number; action: ActionSpec };
  policy: PolicyOptions;
  flat: FlatPolicyState;
  shape: RolloutShape;
  rollout: Inputs;
}

export interface UpdateRequest {
  id: number;
  algo: Algo;
  config: LearnerConfig;
  lr: number;
  /** The generator's state where the first of these roles starts (`Rng.getRaw`). */
  rng: Float64Array;
  roles: RoleUpdateRequest[];
}

export interface RoleUpdateResult {
  metrics: UpdateMetrics;
  flat: FlatPolicyState;
  prepared: Outputs;
}

export interface UpdateResult {
  id: number;
  /** The generator's state after the last role. */
  rng: Float64Array;
  roles: RoleUpdateResult[];
}

/** What the thread posts. */
export type UpdateReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; result: UpdateResult }
  | { type: 'error'; id: number; message: string; stack?: string };

/** A request for `roles` of a trainer, their shuffles starting from `rng` (`UpdateThread.update` numbers it). */
export function updateRequest(
  algo: Algo,
  config: LearnerConfig,
  lr: number,
  rng: Rng,
  roles: readonly {
    spec: RoleUpdateRequest['spec'];
    policy: RolePolicy;
    options: PolicyOptions;
    rollout: RoleRollout;
  }[],
): Omit<UpdateRequest, 'id'> {
  const raw = new Float64Array(5);
  rng.getRaw(raw);
  return {
    algo,
    config,
    lr,
    rng: raw,
    roles: roles.map((r) => ({
      spec: { name: r.spec.name, count: r.spec.count, obsDim: r.spec.obsDim, action: r.spec.action },
      policy: r.options,
      flat: r.policy.flatState(),
      shape: r.rollout.shape,
      rollout: Object.fromEntries(ROLLOUT_INPUTS.map((k) => [k, r.rollout[k]])) as Inputs,
    })),
  };
}

/** Take a role's reply into its policy and rollout: as if it had updated on this thread. */
export function applyRoleResult(policy: RolePolicy, ro: RoleRollout, res: RoleUpdateResult): void {
  policy.loadFlatState(res.flat);
  for (const k of ROLLOUT_OUTPUTS) ro[k].set(res.prepared[k]);
}

/**
 * The second thread: started once per training run (its tfjs backend takes a moment to
 * initialise, overlapping the first rollout), one request at a time, closed at the end of the
 * run. It never keeps the process alive while idle.
 */
export class UpdateThread {
  /** Resolves once the thread's backend is up; rejects when it cannot start. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: UpdateResult) => void; reject: (e: Error) => void }
  >();
  private closing = false;
  /** True once the thread's backend is up. */
  isReady = false;
  /** Why the thread stopped working, once it has. */
  failure: Error | null = null;

  constructor(backend: BackendName) {
    this.worker = new Worker(workerEntry(import.meta.url, 'update-worker'), { workerData: { backend } });
    this.worker.unref();
    let started: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    this.ready.catch(() => {}); // surfaced by whoever awaits it
    const fail = (err: Error) => {
      if (this.failure) return;
      this.failure = err;
      failed(err);
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('message', (msg: UpdateReply) => {
      if (msg.type === 'ready') {
        this.isReady = true;
        started();
      } else if (msg.type === 'init-error')
        fail(new Error(`the update thread could not start: ${msg.message}`));
      else {
        const id = msg.type === 'result' ? msg.result.id : msg.id;
        const w = this.waiting.get(id);
        if (!w) return;
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.worker.unref();
        if (msg.type === 'result') w.resolve(msg.result);
        else {
          const err = new Error(`the update thread failed: ${msg.message}`);
          if (msg.stack) err.stack = `${err.message}\n(thread) ${msg.stack}`;
          w.reject(err);
        }
      }
    });
    this.worker.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
    this.worker.on('exit', (code) => {
      if (!this.closing) fail(new Error(`the update thread exited (code ${code})`));
    });
  }

  /** Run a request (built by `updateRequest`; its id is set here). */
  update(req: Omit<UpdateRequest, 'id'>): Promise<UpdateResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // Referenced while a request is out: the process waits for the reply.
    this.worker.ref();
    const out = new Promise<UpdateResult>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.worker.postMessage({ ...req, id } satisfies UpdateRequest);
    return out;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.worker.terminate();
  }
}
