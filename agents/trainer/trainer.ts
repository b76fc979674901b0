/**
 * The training loop over any `BatchedEnv`, for PPO or REINFORCE: one policy and
 * one value network per role, shared by all slots of that role.
 *
 * ```ts
 * await initBackend('auto');
 * const trainer = new Trainer({ env, algo: 'ppo', config: { totalTimesteps: 100_000 }, runDir: 'runs/demo' });
 * trainer.events$.subscribe((ev) => console.log(ev.type));
 * await trainer.run();               // resolves at the budget or after requestStop()
 * const again = await resume('runs/demo', makeEnv()); // continues from checkpoints/latest
 * ```
 *
 * Each iteration: collect `numSteps` env steps (actions sampled in JavaScript
 * from the trainer's seeded `Rng`), then update every role. Checkpoints always
 * describe an iteration boundary: a stop requested in the middle of a rollout
 * abandons it and saves the state from before it, so resuming is exact.
 *
 * Exact continuation of the environment needs the env to offer
 * `snapshot(): unknown` and `restore(state: unknown): void` (JSON-serialisable);
 * without them a resumed run resets the env with a derived seed and says so in
 * a `log` event.
 *
 * The pieces: config.ts (algorithm and hyperparameters), state.ts (what the
 * loop changes), events.ts (the event stream), control.ts (pause, save and stop
 * requests, yielding), checkpoint.ts (what a checkpoint holds, saving and
 * restoring it), run-dir.ts (the files).
 */
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { Observable } from 'rxjs';
import type { BatchedEnv, RoleObservation, RoleSpec } from '../../src/core/batched.ts';
import { actionDim } from '../../src/core/batched.ts';
import { Rng } from '../../src/core/rng.ts';
import type { TrainerEvent } from '../../src/core/train-events.ts';
import { EVAL_CHUNK, minibatchRows } from '../common/prepare.ts';
import { type RolePolicy, sharedPieces } from '../tf/policy.ts';
import {
  type BoundaryState,
  buildCheckpoint,
  type CheckpointState,
  captureBoundary,
  checkFits,
  readCheckpoint,
  restoreEnv,
  restoreState,
  writeCheckpoint,
} from './checkpoint.ts';
import { type Algo, type LearnerConfig, resolveConfig } from './config.ts';
import { type StopReason, TrainerControl } from './control.ts';
import { type CheckpointReason, TrainerEvents } from './events.ts';
import { type LoadedCheckpoint, RunDir } from './run-dir.ts';
import { createTrainerState, policyOptions, type RoleState, type TrainerState } from './state.ts';
import { type ThreadHelper, UpdateThread, updateRole } from './update-thread.ts';

export type { SnapshotCapable } from './checkpoint.ts';
export { type Algo, type LearnerConfig, resolveConfig } from './config.ts';

export interface TrainerOptions {
  env: BatchedEnv;
  /** @default 'ppo' */
  algo?: Algo;
  /** Config overrides (missing fields take their defaults). */
  config?: Record<string, unknown>;
  /** Run directory to write (config, run info, metrics, checkpoints); none: nothing is written. */
  runDir?: string;
  /** Replace an existing run in `runDir`. @default false */
  overwrite?: boolean;
  /** @default the run directory's name, or 'run' */
  runName?: string;
  /** Env id or scenario name, recorded in run.json. @default 'unknown' */
  scenario?: string;
  /** Reference returns per role for the dashboard's learning curve. */
  baselineReturns?: Record<string, number>;
  /** An already existing run directory to continue (used by `resume`; config.json and run.json are kept). */
  existingRunDir?: RunDir;
  /** The clock in milliseconds for elapsed time, SPS and perf times. @default performance.now */
  now?: () => number;
}

let trainerCounter = 0;

export class Trainer {
  readonly algo: Algo;
  readonly config: LearnerConfig;
  readonly env: BatchedEnv;
  readonly runDir: RunDir | undefined;
  readonly runName: string;
  readonly scenario: string;
  readonly roles: readonly RoleSpec[];
  /** Samples per iteration: `numSteps` times the slots over all roles. */
  readonly batchSamples: number;
  readonly numIterations: number;
  readonly events$: Observable<TrainerEvent>;
  /**
   * What to tell the user before training starts (an old checkpoint without checksums, a stale lock
   * taken over, a torn metrics line dropped): sent as `log` warnings when run() starts.
   */
  readonly warnings: string[] = [];

  private readonly events = new TrainerEvents();
  private readonly control: TrainerControl;
  private readonly state: TrainerState;
  private readonly baselineReturns?: Record<string, number>;
  // Inside an update a pause does not take effect (control.ts): its yields only let the event loop run.
  private readonly yieldNow = () => this.control.maybeYield(false);
  /** Training time of the runs before a resume. */
  private elapsedBefore = 0;
  private started = false;
  private envReady = false;
  /** The iteration boundary before the current rollout and the elapsed time then (what a stop or a paused save writes). */
  private boundary: BoundaryState | undefined;
  private boundaryElapsed = 0;
  /** A resumed run writes its config.json (a new budget) only when it starts training. */
  private readonly existing: boolean;
  /** Whether `run()` starts the second update thread (see `wantsUpdateThread`). */
  private readonly useThread: boolean;
  private updateThread: UpdateThread | null = null;
  /** The second thread's part in each role's update of the current rollout. */
  private readonly helpers = new Map<string, ThreadHelper>();
  /** What the second thread has computed (`sharedWork`). */
  private readonly threadWork = { chunks: 0, pieces: 0 };
  /** Log messages to emit right after `start`. */
  private readonly announcements: { level: 'info' | 'warn'; message: string }[] = [];

  constructor(opts: TrainerOptions) {
    this.env = opts.env;
    this.algo = opts.algo ?? 'ppo';
    if (this.algo !== 'ppo' && this.algo !== 'reinforce') {
      throw new Error(`Unknown algorithm '${String(this.algo)}': use 'ppo' or 'reinforce'.`);
    }
    this.config = resolveConfig(this.algo, opts.config ?? {});
    this.runDir =
      opts.existingRunDir ??
      (opts.runDir ? RunDir.create(opts.runDir, { overwrite: opts.overwrite }) : undefined);
    this.runName = opts.runName ?? this.runDir?.name ?? 'run';
    this.scenario = opts.scenario ?? 'unknown';
    this.baselineReturns = opts.baselineReturns;
    this.roles = this.env.roles;
    if (this.roles.length === 0)
      throw new Error('The env has no roles: a BatchedEnv needs at least one role with slots.');
    this.events$ = this.events.events$;
    this.control = new TrainerControl(this.config.yieldMs, this.events, opts.now);
    this.control.onParkedSave = () => {
      if (this.boundary) this.checkpoint('manual', this.boundaryElapsed, this.boundary);
    };
    const scope = `t${++trainerCounter}`;
    const cfg = this.config;
    const stateDim = cfg.centralizedCritic ? this.env.stateDim : 0;
    if (cfg.centralizedCritic && !(stateDim > 0)) {
      throw new Error(
        'centralizedCritic needs env.stateDim > 0: this env exposes no global state; turn the option off.',
      );
    }
    this.state = createTrainerState(this.roles, cfg, stateDim, scope);
    const slots = this.roles.reduce((n, spec) => n + spec.count, 0);
    this.batchSamples = cfg.numSteps * slots;
    this.numIterations = Math.floor(cfg.totalTimesteps / this.batchSamples);
    if (this.numIterations < 1) {
      throw new Error(
        `totalTimesteps (${cfg.totalTimesteps}) is smaller than one rollout (numSteps ${cfg.numSteps} x ${slots} slots = ` +
          `${this.batchSamples} samples): raise totalTimesteps or lower numSteps.`,
      );
    }
    this.useThread = this.wantsUpdateThread();
    if (this.useThread) {
      this.announce(
        'info',
        "half of each big role's update on a second thread: the later evaluation chunks and minibatch pieces (parallelUpdate; the same numbers as on one thread)",
      );
    }
    this.existing = opts.existingRunDir !== undefined;
    if (this.runDir && !this.existing) {
      this.runDir.writeJson('config.json', { algo: this.algo, ...cfg });
      this.runDir.writeJson('run.json', this.runInfo());
    }
  }

  /**
   * Whether a second thread takes half of the big roles' updates (`parallelUpdate`, documented in
   * agents/common/config.ts); throws when `true` asks for it where it cannot run.
   */
  private wantsUpdateThread(): boolean {
    const mode = this.config.parallelUpdate;
    if (mode === false) return false;
    const backend = tf.getBackend();
    if (backend !== 'wasm' && backend !== 'cpu') {
      if (mode === true)
        throw new Error(
          `parallelUpdate is true, but the ${backend} backend is not one a second thread runs (wasm or cpu): set parallelUpdate to 'auto' or false.`,
        );
      return false;
    }
    if (mode === true) return true;
    // Worth it where a minibatch splits into two or more pieces (agents/tf/policy.ts `sharedPieces`).
    const big = this.roles.some(
      (r) =>
        sharedPieces(minibatchRows(r.count * this.config.numSteps, this.config.numMinibatches)).pieces >= 2,
    );
    // A `copronet worker` running several jobs at once says how many (COPRONET_JOB_SLOTS): two cores each.
    const slots = Math.max(1, Number(process.env.COPRONET_JOB_SLOTS) || 1);
    return isMainThread && availableParallelism() >= 2 * slots && big;
  }

  /** Samples the run trains on in all: whole iterations, `numIterations x batchSamples` (totalTimesteps rounded down). */
  get budgetSamples(): number {
    return this.numIterations * this.batchSamples;
  }

  /** Emit a `log` event right after the `start` event of `run()` (for notes made before anyone listens). */
  announce(level: 'info' | 'warn', message: string): void {
    this.announcements.push({ level, message });
  }

  /**
   * What the second update thread (`parallelUpdate`) has computed so far: rollout evaluation
   * chunks and minibatch pieces (zeros without one).
   */
  get sharedWork(): { chunks: number; pieces: number } {
    return { ...this.threadWork };
  }

  /** Samples trained on so far. */
  get globalStep(): number {
    return this.state.globalStep;
  }

  /** Iterations completed so far. */
  get iteration(): number {
    return this.state.iteration;
  }

  /** The start information written to run.json. */
  runInfo() {
    return {
      runName: this.runName,
      scenario: this.scenario,
      algo: this.algo,
      backend: tf.getBackend(),
      seed: this.config.seed,
      totalTimesteps: this.config.totalTimesteps,
      batchSamples: this.batchSamples,
      numIterations: this.numIterations,
      baselineReturns: this.baselineReturns,
      roles: this.roles.map((r) => ({
        name: r.name,
        count: r.count,
        obsDim: r.obsDim,
        action: describeAction(r),
      })),
      stateDim: this.env.stateDim,
      createdAt: new Date().toISOString(),
    };
  }

  /** The policy of a role (for evaluation or inspection). */
  policy(role: string): RolePolicy {
    return this.role(role).policy;
  }

  /**
   * Actions of a role for raw (unnormalised) observations of all its slots, as the env expects them.
   * Uses the observation normaliser without updating it. `rng` defaults to a fixed evaluation stream.
   */
  act(role: string, obs: Float32Array, opts: { deterministic?: boolean; rng?: Rng } = {}): Float32Array {
    const st = this.role(role);
    const rows = obs.length / st.spec.obsDim;
    const x = st.rms ? st.rms.normalize(obs, undefined, 1e-8, this.config.obsClip) : obs;
    const raw = new Float32Array(rows * st.policy.rawDim);
    const out = new Float32Array(rows * actionDim(st.spec.action));
    st.policy.act(x, rows, opts.rng ?? new Rng('eval'), raw, out, opts.deterministic ?? false);
    return out;
  }

  private role(role: string): RoleState {
    const st = this.state.roles[role];
    if (!st)
      throw new Error(`Unknown role '${role}': this env has ${this.roles.map((r) => r.name).join(', ')}.`);
    return st;
  }

  // ---------------------------------------------------------------------------
  // Controls (control.ts; safe to call from event handlers and signal handlers).

  pause(): void {
    this.control.pause();
  }

  resume(): void {
    this.control.resume();
  }

  get isPaused(): boolean {
    return this.control.isPaused;
  }

  /** Write `checkpoints/latest`: at once while paused at a safe point, else at the next iteration boundary. */
  requestSave(): void {
    this.control.requestSave();
  }

  /** Stop as soon as possible: save a checkpoint and resolve `run()`. */
  requestStop(reason: StopReason = 'interrupt'): void {
    this.control.requestStop(reason);
  }

  // ---------------------------------------------------------------------------
  // The loop.

  /**
   * Train until the budget is spent or a stop is requested. Yields to the event loop every
   * `yieldMs` so a dashboard can render. Resolves with the final step and why it ended.
   */
  async run(): Promise<{ globalStep: number; reason: 'budget' | StopReason }> {
    if (this.started)
      throw new Error('Trainer.run() was already called; create a new Trainer (or resume the run) instead.');
    this.started = true;
    // Started now, its backend initialises during the first rollout.
    if (this.useThread)
      this.updateThread = new UpdateThread(tf.getBackend() as 'wasm' | 'cpu', this.threadWork);
    try {
      return await this.loop();
    } finally {
      await this.updateThread?.close();
      this.updateThread = null;
    }
  }

  private async loop(): Promise<{ globalStep: number; reason: 'budget' | StopReason }> {
    if (this.runDir && this.existing) this.writeResumedConfig();
    this.events.start(this, this.baselineReturns);
    for (const a of this.announcements) this.events.log(a.level, a.message);
    for (const w of [...this.warnings.splice(0), ...(this.runDir?.warnings.splice(0) ?? [])])
      this.events.log('warn', w);
    if (!this.envReady) this.resetEnv(this.config.seed);
    // Training time: the clock without the time paused (control.ts), so that SPS, elapsed_sec and the
    // dashboard's ETA do not count pauses.
    const now = () => this.control.activeMs();
    const t0 = now();
    const step0 = this.globalStep;
    const elapsed = () => this.elapsedBefore + (now() - t0) / 1000;
    this.control.startClock();

    while (this.iteration < this.numIterations) {
      // The state before the rollout: what a stop in the middle of it, or a save while paused, writes.
      const boundary = captureBoundary(this.state, this.env);
      this.boundary = boundary;
      this.boundaryElapsed = elapsed();
      // A pause requested during the last update takes effect here.
      if (this.control.isPaused) await this.control.maybeYield();
      if (this.control.stopReason) return this.finishStopped(boundary);

      // ROLLOUT: numSteps steps of every slot
      const tRollout = now();
      if (!(await this.collect())) return this.finishStopped(boundary);

      const iteration = this.iteration + 1;
      const metrics: Record<string, number> = {};
      this.episodeMetrics(metrics);

      // ALGO LOGIC: the update of every role, with the annealed learning rate
      const lr = this.learningRate(iteration);
      const tUpdate = now();
      // The update is no safe point for a paused save: the boundary is about to be stale.
      this.boundary = undefined;
      Object.assign(metrics, await this.update(lr));
      metrics['perf/rollout_sec'] = (tUpdate - tRollout) / 1000;
      metrics['perf/update_sec'] = (now() - tUpdate) / 1000;
      this.state.globalStep += this.batchSamples;
      this.state.iteration = iteration;
      const el = elapsed();
      metrics['charts/SPS'] = Math.round((this.globalStep - step0) / Math.max((now() - t0) / 1000, 1e-9));

      // TRY NOT TO MODIFY: record rewards for plotting purposes
      this.runDir?.appendMetrics({ global_step: this.globalStep, iteration, elapsed_sec: el, ...metrics });
      this.events.iteration(iteration, this.globalStep, el, metrics);

      // CHECKPOINTS: a new best return per role, every checkpointEvery iterations, on request
      for (const spec of this.roles) {
        const v = metrics[`charts/episodic_return/${spec.name}`];
        const st = this.state.roles[spec.name];
        if (v !== undefined && v > st.best) {
          st.best = v;
          this.events.best(this.globalStep, spec.name, v);
          if (this.runDir && iteration > 1) this.save(`best-${spec.name}`, el);
        }
      }
      // The first iteration is checkpointed too, so a run killed at any later time (kill -9, a crash)
      // leaves one to resume from.
      const periodic =
        this.config.checkpointEvery > 0 && (iteration % this.config.checkpointEvery === 0 || iteration === 1);
      const manual = this.control.saveRequested;
      if (manual || (periodic && iteration < this.numIterations)) {
        this.checkpoint(manual ? 'manual' : 'periodic', el);
        this.control.saveDone();
      }
    }
    this.checkpoint('final', elapsed());
    this.events.done(this.globalStep, 'budget');
    return { globalStep: this.globalStep, reason: 'budget' };
  }

  /** Collect one rollout. Returns false when a stop request interrupted it. */
  private async collect(): Promise<boolean> {
    const T = this.config.numSteps;
    const envState = this.state.envState;
    const gammaStates = envState.length > 0;
    const actions: Record<string, Float32Array> = {};
    // The second thread evaluates the rollout's chunks as they fill (update-thread.ts).
    this.helpers.clear();
    const thread = await this.readyThread();
    if (thread) {
      for (const spec of this.roles) {
        const h = this.helperOf(thread, spec);
        if (h) this.helpers.set(spec.name, h);
      }
    }
    for (let t = 0; t < T; t++) {
      // ALGO LOGIC: action logic (sampled in JS from the trainer's Rng)
      for (const spec of this.roles) {
        const st = this.state.roles[spec.name];
        const ro = st.rollout;
        const N = spec.count;
        ro.obs.set(st.obs, t * N * spec.obsDim);
        ro.active.set(st.active, t * N);
        if (gammaStates) ro.states.set(envState, t * envState.length);
        st.policy.act(st.obs, N, this.state.rng, st.raw, st.envAct);
        ro.raw.set(st.raw, t * N * st.policy.rawDim);
        actions[spec.name] = st.envAct.slice();
      }

      // TRY NOT TO MODIFY: execute the game and log data
      const res = this.env.step(actions);
      for (const spec of this.roles) {
        const st = this.state.roles[spec.name];
        const ro = st.rollout;
        const tr = res[spec.name];
        if (!tr)
          throw new Error(
            `env.step() returned no transition for role '${spec.name}'; every role must be present.`,
          );
        const N = spec.count;
        const d = spec.obsDim;
        for (let i = 0; i < N; i++) {
          const idx = t * N + i;
          ro.truncatedOnly[idx] = 0;
          if (!st.active[i]) {
            ro.rewards[idx] = 0;
            ro.dones[idx] = 0;
            continue;
          }
          const r = tr.rewards[i];
          ro.rewards[idx] = r;
          st.epReturn[i] += r;
          st.epLength[i] += 1;
          const done = tr.terminated[i] || tr.truncated[i] ? 1 : 0;
          ro.dones[idx] = done;
          if (done) {
            st.finishedReturns.push(st.epReturn[i]);
            st.finishedLengths.push(st.epLength[i]);
            st.epReturn[i] = 0;
            st.epLength[i] = 0;
            if (tr.truncated[i] && !tr.terminated[i]) {
              ro.truncatedOnly[idx] = 1;
              const row = tr.finalObs.subarray(i * d, (i + 1) * d);
              const dst = ro.finalObs.subarray(idx * d, (idx + 1) * d);
              if (st.rms) st.rms.normalize(row, dst, 1e-8, this.config.obsClip);
              else dst.set(row);
            }
          }
        }
        this.intake(st, tr);
      }
      if (gammaStates) this.env.state(envState);
      for (const spec of this.roles) this.helpers.get(spec.name)?.advance((t + 1) * spec.count);
      await this.control.maybeYield();
      if (this.control.stopReason) return false;
    }
    for (const spec of this.roles) {
      const st = this.state.roles[spec.name];
      st.rollout.nextObs.set(st.obs);
      st.rollout.nextActive.set(st.active);
      if (gammaStates) st.rollout.nextState.set(envState);
    }
    return true;
  }

  /** Current learning rate (CleanRL's linear annealing: frac = 1 - (iteration - 1) / numIterations). */
  learningRate(iteration = this.iteration + 1): number {
    const lr = this.config.learningRate;
    if (!this.config.annealLr) return lr;
    return (1 - (iteration - 1) / this.numIterations) * lr;
  }

  /**
   * Update every role on its rollout, in turn; returns the update metrics with a role suffix. With
   * the second thread (update-thread.ts), a role of more than one evaluation chunk shares its
   * update with it (`helperOf`).
   */
  private async update(lr: number): Promise<Record<string, number>> {
    const metrics: Record<string, number> = {};
    const thread = await this.readyThread();
    for (const spec of this.roles) {
      const st = this.state.roles[spec.name];
      const helper = this.helpers.get(spec.name) ?? (thread ? this.helperOf(thread, spec) : undefined);
      const m = await updateRole(
        this.algo,
        st.policy,
        st.rollout,
        this.config,
        lr,
        this.state.rng,
        this.yieldNow,
        helper,
      );
      for (const [k, v] of Object.entries(m)) metrics[`${k}/${spec.name}`] = v;
      metrics[`charts/learning_rate/${spec.name}`] = lr;
    }
    this.helpers.clear();
    return metrics;
  }

  /**
   * The second thread's part in a role's update for the rollout about to be collected (or just
   * collected): roles of more than one evaluation chunk only, since the thread's share of smaller
   * ones would cost more in messages than it saves.
   */
  private helperOf(thread: UpdateThread, spec: RoleSpec): ThreadHelper | undefined {
    const st = this.state.roles[spec.name];
    if (st.rollout.size <= EVAL_CHUNK) return undefined;
    const setup = {
      spec: { name: spec.name, count: spec.count, obsDim: spec.obsDim, action: spec.action },
      policy: policyOptions(spec, this.config, this.state.envState.length, this.state.scope),
      shape: st.rollout.shape,
    };
    return thread.helper(setup, st.rollout, st.policy.flatState().theta, this.config.bootstrapTruncated);
  }

  /**
   * The second update thread once it is up; null without one. Under `auto` an update does not
   * wait for the thread to start (it runs on this thread alone meanwhile: the same numbers), and
   * a thread that failed to start is dropped with a warning; `true` waits, and fails.
   */
  private async readyThread(): Promise<UpdateThread | null> {
    const thread = this.updateThread;
    if (!thread) return null;
    if (this.config.parallelUpdate !== true && !thread.isReady && !thread.failure) return null;
    try {
      await thread.ready;
      return thread;
    } catch (err) {
      if (this.config.parallelUpdate === true) throw err;
      this.updateThread = null;
      void thread.close();
      this.events.log('warn', `${(err as Error).message}; updating on this thread alone`);
      return null;
    }
  }

  /** Mean return and length of the episodes finished during the rollout, per role and overall. */
  private episodeMetrics(metrics: Record<string, number>): void {
    let lenSum = 0;
    let lenN = 0;
    for (const spec of this.roles) {
      const st = this.state.roles[spec.name];
      const n = st.finishedReturns.length;
      metrics[`charts/episodes/${spec.name}`] = n;
      if (n > 0) {
        const mean = st.finishedReturns.reduce((s, x) => s + x, 0) / n;
        const len = st.finishedLengths.reduce((s, x) => s + x, 0);
        metrics[`charts/episodic_return/${spec.name}`] = mean;
        metrics[`charts/episodic_length/${spec.name}`] = len / n;
        lenSum += len;
        lenN += n;
      }
      st.finishedReturns.length = 0;
      st.finishedLengths.length = 0;
    }
    if (lenN > 0) metrics['charts/episodic_length'] = lenSum / lenN;
  }

  // ---------------------------------------------------------------------------
  // Observations.

  /** Take a role's observations (updating and applying the normaliser when normObs). */
  private intake(st: RoleState, obs: RoleObservation): void {
    if (st.rms) {
      st.rms.update(obs.obs, st.spec.count, obs.active);
      st.rms.normalize(obs.obs, st.obs, 1e-8, this.config.obsClip);
    } else {
      st.obs.set(obs.obs);
    }
    st.active.set(obs.active);
  }

  private resetEnv(seed: number): void {
    const first = this.env.reset(seed);
    for (const spec of this.roles) {
      const o = first[spec.name];
      if (!o)
        throw new Error(
          `env.reset() returned no observation for role '${spec.name}'; every role in env.roles must be present.`,
        );
      const st = this.state.roles[spec.name];
      this.intake(st, o);
      st.epReturn.fill(0);
      st.epLength.fill(0);
    }
    if (this.state.envState.length) this.env.state(this.state.envState);
    this.envReady = true;
  }

  // ---------------------------------------------------------------------------
  // Checkpoints (checkpoint.ts).

  /** End a stopped run: back to the boundary before the abandoned rollout, saved as `latest`. */
  private finishStopped(boundary: BoundaryState) {
    const reason = this.control.stopReason ?? 'interrupt';
    this.state.globalStep = boundary.globalStep;
    this.state.iteration = boundary.iteration;
    this.checkpoint('interrupt', this.boundaryElapsed, boundary);
    this.events.done(this.globalStep, reason);
    return { globalStep: this.globalStep, reason };
  }

  /** Save `checkpoints/latest` and announce it. */
  private checkpoint(reason: CheckpointReason, el: number, boundary?: BoundaryState): void {
    if (!this.runDir) return;
    const path = this.save('latest', el, boundary);
    this.events.checkpoint(this.globalStep, path, reason);
  }

  /** Save checkpoint `name` of `boundary` (default: now); returns its path. */
  private save(name: string, el: number, boundary = captureBoundary(this.state, this.env)): string {
    return writeCheckpoint(this.runDir!, name, buildCheckpoint(this.algo, this.state, el, boundary));
  }

  /**
   * Load a checkpoint of this run directory (or `ckpt`, already read) into the trainer (weights,
   * optimiser, normalisers, Rng, env), then drop the metrics rows after it.
   */
  loadCheckpoint(name = 'latest', ckpt?: LoadedCheckpoint<CheckpointState>): void {
    if (!ckpt && !this.runDir) throw new Error('loadCheckpoint needs a trainer with a run directory.');
    ckpt ??= readCheckpoint(this.runDir!, name);
    this.warnings.push(...ckpt.warnings);
    checkFits(ckpt, name, this.algo, this.state);
    restoreState(ckpt, this.state);
    this.elapsedBefore = ckpt.state.elapsedSec;
    if (restoreEnv(ckpt, this.env)) {
      this.envReady = true;
    } else {
      const seed = this.config.seed + 7919 * (ckpt.state.iteration + 1);
      this.resetEnv(seed);
      this.warnings.push(
        `This env cannot snapshot its state: resumed with a fresh env.reset(${seed}); the learner continues exactly, ` +
          'the episodes in progress at the checkpoint were dropped.',
      );
    }
    this.runDir?.truncateMetrics(ckpt.state.iteration);
  }

  /**
   * A resumed run's config.json (with its budget, which `--timesteps` may have changed) and the budget in
   * run.json, written when it starts training.
   */
  private writeResumedConfig(): void {
    const dir = this.runDir!;
    dir.writeJson('config.json', { algo: this.algo, ...this.config });
    const info = dir.readJson<Record<string, unknown>>('run.json');
    if (info.totalTimesteps !== this.config.totalTimesteps || info.numIterations !== this.numIterations) {
      dir.writeJson('run.json', {
        ...info,
        totalTimesteps: this.config.totalTimesteps,
        numIterations: this.numIterations,
      });
    }
  }

  /** Free the networks' tensors, and release the run folder's lock. */
  dispose(): void {
    void this.updateThread?.close();
    this.updateThread = null;
    for (const spec of this.roles) this.state.roles[spec.name].policy.dispose();
    this.events.complete();
    this.runDir?.unlock();
  }
}

function describeAction(r: RoleSpec) {
  return r.action.kind === 'box'
    ? { kind: 'box', dim: r.action.dim, low: Array.from(r.action.low), high: Array.from(r.action.high) }
    : { kind: 'discrete', n: r.action.n };
}

export interface ResumeOptions {
  /**
   * Override the total budget (e.g. to train further than the original run). The learning rate then
   * anneals over the new total: iteration k of N trains at `(1 - (k - 1) / N) x learningRate`.
   */
  totalTimesteps?: number;
  baselineReturns?: Record<string, number>;
  /**
   * Only read the run (for evaluation): no lock, nothing written, and the trainer has no run directory.
   * @default false
   */
  readOnly?: boolean;
  /**
   * A run directory without a checkpoint (stopped before its first one) starts over from step 0 with the
   * run's config instead of throwing; its metrics.jsonl is emptied. @default false
   */
  restartWithoutCheckpoint?: boolean;
}

/**
 * Continue a stopped run from `runs/<name>/checkpoints/latest` with a fresh env built like the
 * original (same env id / scenario and options). The run's config.json and run.json are reused.
 * Takes the folder's lock first and checks the checkpoint and metrics.jsonl before anything is
 * written; on an error the folder is left as it was.
 */
export async function resume(runDir: string, env: BatchedEnv, opts: ResumeOptions = {}): Promise<Trainer> {
  const dir = RunDir.open(runDir);
  const restart = !dir.hasCheckpoint('latest');
  if (restart && !opts.restartWithoutCheckpoint) {
    throw new Error(
      `${runDir} has no checkpoint yet: the run stopped before its first one (written after iteration 1). ` +
        "resume() with restartWithoutCheckpoint (what 'npx copronet train --resume' does) starts it over from step 0 " +
        'with its saved config.',
    );
  }
  if (!opts.readOnly) dir.lock();
  let trainer: Trainer | undefined;
  try {
    const ckpt = restart ? undefined : readCheckpoint(dir, 'latest');
    if (!opts.readOnly && !restart) dir.readMetrics();
    trainer = resumeFrom(dir, env, opts);
    if (ckpt) trainer.loadCheckpoint('latest', ckpt);
    else {
      dir.truncateMetrics(0);
      trainer.announce(
        'info',
        `${runDir} has no checkpoint yet (it stopped before its first one): starting it over from step 0 with its saved config.`,
      );
    }
    return trainer;
  } catch (err) {
    trainer?.dispose();
    dir.unlock();
    throw err;
  }
}

function resumeFrom(dir: RunDir, env: BatchedEnv, opts: ResumeOptions): Trainer {
  const { algo, ...config } = dir.readJson<{ algo: Algo } & Record<string, unknown>>('config.json');
  const info = dir.readJson<{ runName: string; scenario: string }>('run.json');
  if (opts.totalTimesteps !== undefined) config.totalTimesteps = opts.totalTimesteps;
  return new Trainer({
    env,
    algo,
    config,
    runName: info.runName,
    scenario: info.scenario,
    baselineReturns: opts.baselineReturns,
    existingRunDir: opts.readOnly ? undefined : dir,
  });
}
