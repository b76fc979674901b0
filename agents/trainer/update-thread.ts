/**
 * A trainer's second update thread: on two cores it takes half of every big
 * role's update, with the numbers of one thread, bit for bit.
 *
 * Each role updates in turn, as on one thread, and the trainer's thread drives
 * it: it draws every shuffle, packs the minibatches' side rows and steps Adam.
 * The second thread holds a copy of the role's rollout and does two things:
 * - the rollout's evaluation (log-probabilities and values in fixed-shape
 *   chunks, agents/common/prepare.ts), chunk by chunk while the rollout is
 *   collected (or its later half, when it gets the rollout only at the
 *   update); a chunk's numbers do not depend on the others;
 * - the later pieces of each minibatch (`RolePolicy.fusedStepShared`): a
 *   minibatch is already split into pieces of at most STEP_CHUNK rows, whose
 *   gradients the Adam kernel sums in piece order. The other thread computes
 *   its pieces from the same parameters and sends back their gradients and loss
 *   terms; the trainer adds them after its own, in piece order.
 * So no number depends on which thread computed it. Nothing of the run lives
 * only in the thread: it gets the parameters with every request, and
 * checkpoints and resumes are untouched.
 */
import { Worker } from 'node:worker_threads';
import type { ActionSpec } from '../../src/core/batched.ts';
import type { Rng } from '../../src/core/rng.ts';
import { workerEntry } from '../../src/core/worker-entry.ts';
import type { RoleRollout, RolloutShape } from '../common/buffer.ts';
import type { UpdateMetrics } from '../common/config.ts';
import type { HeadConfig, HeadStats, HeadTerms } from '../common/head.ts';
import {
  prepareRollout,
  prepareRolloutShared,
  type RoleHelper,
  type RolloutEvaluation,
  rolloutChunks,
} from '../common/prepare.ts';
import type { PpoConfig } from '../ppo/config.ts';
import { ppoUpdate } from '../ppo/ppo.ts';
import type { ReinforceConfig } from '../reinforce/config.ts';
import { reinforceUpdate } from '../reinforce/reinforce.ts';
import type { BackendName } from '../tf/backend.ts';
import type { PieceRequest, PolicyOptions, RemotePieces } from '../tf/policy.ts';
import type { RolePolicy } from '../tf/policy.ts';
import type { Algo, LearnerConfig } from './config.ts';

/**
 * One role's update on its collected rollout: log-probabilities, values and advantages (GAE),
 * then PPO's epochs or REINFORCE's pass; with a `helper`, half of it on the second thread.
 */
export async function updateRole(
  algo: Algo,
  policy: RolePolicy,
  ro: RoleRollout,
  cfg: LearnerConfig,
  lr: number,
  rng: Rng,
  maybeYield?: () => Promise<void>,
  helper?: RoleHelper,
): Promise<UpdateMetrics> {
  // ALGO LOGIC: log-probabilities, values and advantages (GAE) of the rollout
  if (helper) await prepareRolloutShared(policy, ro, cfg, helper);
  else prepareRollout(policy, ro, cfg);
  return algo === 'ppo'
    ? ppoUpdate(policy, ro, cfg as PpoConfig, lr, rng, maybeYield, helper)
    : reinforceUpdate(policy, ro, cfg as ReinforceConfig, lr, rng, maybeYield, helper);
}

/** The rollout arrays the thread's copy needs: the network inputs, the actions, the truncations. */
type Inputs = Pick<RoleRollout, 'obs' | 'raw' | 'states' | 'finalObs' | 'truncatedOnly'>;

/** How the thread builds a role's networks and rollout copy. */
export interface RoleSetup {
  spec: { name: string; count: number; obsDim: number; action: ActionSpec };
  policy: PolicyOptions;
  shape: RolloutShape;
}

/** What the trainer posts. */
export type UpdateRequest =
  | {
      type: 'chunk';
      id: number;
      role: RoleSetup;
      /** The parameters that collected the rollout. */
      theta: Float32Array;
      bootstrapTruncated: boolean;
      /** The chunk's index and its rows' data (`states`: the steps its rows span). */
      chunk: number;
      rows: Inputs;
      /** False: only keep the rows (for the minibatches), evaluated here already. */
      evaluate: boolean;
    }
  | { type: 'side'; id: number; role: string; side: Float32Array }
  | {
      type: 'pieces';
      id: number;
      role: string;
      rows: Int32Array;
      theta: Float32Array;
      stats: HeadStats;
      pieceRows: number;
      head: HeadConfig;
    };

/** What the thread posts. */
export type UpdateReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | ({ type: 'chunk'; id: number } & RolloutEvaluation)
  | { type: 'pieces'; id: number; grads: Float32Array[][]; terms: HeadTerms[] }
  | { type: 'error'; id: number; message: string; stack?: string };

type Waiting = { resolve: (r: UpdateReply) => void; reject: (e: Error) => void };

/**
 * The second thread: started once per training run (its tfjs backend takes a moment to
 * initialise, overlapping the first rollout), closed at the end of the run. It never keeps the
 * process alive while idle.
 */
export class UpdateThread {
  /** Resolves once the thread's backend is up; rejects when it cannot start. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closing = false;
  /** True once the thread's backend is up. */
  isReady = false;
  /** Why the thread stopped working, once it has. */
  failure: Error | null = null;
  /**
   * @param work counts what the thread computes, evaluation chunks and minibatch pieces (the
   *   caller's object, so that the count outlives the thread)
   */
  constructor(
    backend: BackendName,
    readonly work = { chunks: 0, pieces: 0 },
  ) {
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
        return;
      }
      if (msg.type === 'init-error') {
        fail(new Error(`the update thread could not start: ${msg.message}`));
        return;
      }
      const w = this.waiting.get(msg.id);
      if (msg.type === 'error') {
        const err = new Error(`the update thread failed: ${msg.message}`);
        if (msg.stack) err.stack = `${err.message}\n(thread) ${msg.stack}`;
        // A request nobody waits for (the side rows) failed: every later one would be wrong.
        if (!w) fail(err);
        else {
          this.settle(msg.id);
          w.reject(err);
        }
        return;
      }
      if (!w) return;
      this.settle(msg.id);
      w.resolve(msg);
    });
    this.worker.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
    this.worker.on('exit', (code) => {
      if (!this.closing) fail(new Error(`the update thread exited (code ${code})`));
    });
  }

  private settle(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker.unref();
  }

  /**
   * Post a request (its id set here); with `reply`, resolves with the thread's answer. (For
   * `ThreadHelper`.)
   */
  send<T extends UpdateReply>(req: UpdateRequest, reply: boolean, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    req.id = id;
    let out: Promise<T> = Promise.resolve(undefined as unknown as T);
    if (reply) {
      // Referenced while a request is out: the process waits for the reply.
      this.worker.ref();
      out = new Promise<T>((resolve, reject) =>
        this.waiting.set(id, { resolve: resolve as (r: UpdateReply) => void, reject }),
      );
    }
    this.worker.postMessage(req, transfer);
    return out;
  }

  /**
   * The thread's part in one role's update (agents/common/prepare.ts `RoleHelper`) for the rollout
   * `ro` collected with parameters `theta`. Created before the rollout, `advance` hands the thread
   * each evaluation chunk as soon as the rollout has filled it, so that it evaluates them while
   * the rollout goes on.
   */
  helper(setup: RoleSetup, ro: RoleRollout, theta: Float32Array, bootstrapTruncated: boolean): ThreadHelper {
    return new ThreadHelper(this, setup, ro, theta, bootstrapTruncated);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.worker.terminate();
  }
}

/** A role's `RoleHelper` on an `UpdateThread` (see `UpdateThread.helper`). */
export class ThreadHelper implements RoleHelper {
  /** The chunks handed to the thread to evaluate, and those it only keeps. */
  private readonly chunks = new Map<number, Promise<Extract<UpdateReply, { type: 'chunk' }>>>();
  private readonly kept = new Set<number>();
  /** The next chunk `advance` hands over. */
  private next = 0;
  private readonly chunkRows: number;
  private readonly chunkCount: number;

  constructor(
    private readonly thread: UpdateThread,
    private readonly setup: RoleSetup,
    private readonly ro: RoleRollout,
    private readonly theta: Float32Array,
    private readonly bootstrapTruncated: boolean,
  ) {
    const c = rolloutChunks(ro.size);
    this.chunkRows = c.rows;
    this.chunkCount = c.count;
  }

  get evaluating(): number {
    return this.chunks.size;
  }

  /** The rollout's rows [0, rowsDone) are final: hand the thread every chunk they complete. */
  advance(rowsDone: number): void {
    while (
      this.next < this.chunkCount &&
      Math.min(this.ro.size, (this.next + 1) * this.chunkRows) <= rowsDone
    )
      this.post(this.next++);
  }

  /** Hand the thread chunk `k`: to evaluate, or (`evaluate` false) only for the minibatches. */
  private post(k: number, evaluate = true): void {
    if (this.chunks.has(k) || this.kept.has(k)) return;
    const ro = this.ro;
    const { obsDim, rawDim, stateDim, count: N } = ro.shape;
    const start = k * this.chunkRows;
    const end = Math.min(ro.size, start + this.chunkRows);
    const t0 = Math.floor(start / N);
    const t1 = Math.floor((end - 1) / N) + 1;
    const rows: Inputs = {
      obs: ro.obs.slice(start * obsDim, end * obsDim),
      raw: ro.raw.slice(start * rawDim, end * rawDim),
      states: ro.states.slice(t0 * stateDim, t1 * stateDim),
      finalObs: ro.finalObs.slice(start * obsDim, end * obsDim),
      truncatedOnly: ro.truncatedOnly.slice(start, end),
    };
    const req = {
      type: 'chunk',
      id: 0,
      role: this.setup,
      theta: this.theta,
      bootstrapTruncated: this.bootstrapTruncated,
      chunk: k,
      rows,
      evaluate,
    } as const;
    const transfer = Object.values(rows).map((a) => a.buffer as ArrayBuffer);
    if (!evaluate) {
      this.kept.add(k);
      void this.thread.send(req, false, transfer).catch(() => {});
      return;
    }
    const out = this.thread.send<Extract<UpdateReply, { type: 'chunk' }>>(req, true, transfer);
    out.catch(() => {}); // awaited by `evaluate`; an abandoned rollout never is
    this.chunks.set(k, out);
  }

  async evaluate(from: number, to: number): Promise<RolloutEvaluation> {
    for (let k = from; k < to; k++) this.post(k);
    const first = Math.min(this.ro.size, from * this.chunkRows);
    const rows = Math.min(this.ro.size, to * this.chunkRows) - first;
    const out = {
      logp: new Float32Array(rows),
      values: new Float32Array(rows),
      finalValues: new Float32Array(rows),
    };
    for (let k = from; k < to; k++) {
      const r = await this.chunks.get(k)!;
      const at = k * this.chunkRows - first;
      out.logp.set(r.logp, at);
      out.values.set(r.values, at);
      if (r.finalValues.length > 0) out.finalValues.set(r.finalValues, at);
    }
    this.thread.work.chunks += to - from;
    return out;
  }

  side(side: Float32Array): void {
    // The minibatches draw rows from the whole rollout: the thread needs the chunks evaluated here too.
    for (let k = 0; k < this.chunkCount; k++) this.post(k, false);
    const req = { type: 'side', id: 0, role: this.setup.spec.name, side } as const;
    void this.thread.send(req, false).catch(() => {});
  }

  async pieces(rows: Int32Array, req: PieceRequest, head: HeadConfig): Promise<RemotePieces> {
    const msg = { type: 'pieces', id: 0, role: this.setup.spec.name, rows, head, ...req } as const;
    const r = await this.thread.send<Extract<UpdateReply, { type: 'pieces' }>>(msg, true);
    this.thread.work.pieces += r.grads.length;
    return { grads: r.grads, terms: r.terms };
  }
}
