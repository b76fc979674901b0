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
 */
import * as tf from '@tensorflow/tfjs';
import { type Observable, Subject } from 'rxjs';
import type { BatchedEnv, RoleObservation, RoleSpec } from '../../src/core/batched.ts';
import { actionDim } from '../../src/core/batched.ts';
import { Rng, type RngState } from '../../src/core/rng.ts';
import { RunningMeanStd, type RunningMeanStdJSON } from '../../src/core/running-stats.ts';
import type { TrainerEvent } from '../../src/core/train-events.ts';
import { RoleRollout } from '../common/buffer.ts';
import { type PpoConfig, PpoConfigSchema } from '../ppo/config.ts';
import { type UpdateMetrics, ppoUpdate } from '../ppo/ppo.ts';
import { prepareRollout } from '../common/prepare.ts';
import { type ReinforceConfig, ReinforceConfigSchema } from '../reinforce/config.ts';
import { reinforceUpdate } from '../reinforce/reinforce.ts';
import { type CheckpointTensor, RunDir } from './run-dir.ts';
import { RolePolicy } from '../tf/policy.ts';

export type Algo = 'ppo' | 'reinforce';
export type LearnerConfig = PpoConfig | ReinforceConfig;

/** A BatchedEnv that can save and restore its full state (for exact resumes). */
export interface SnapshotCapable {
  snapshot(): unknown;
  restore(state: unknown): void;
}

function canSnapshot(env: BatchedEnv): env is BatchedEnv & SnapshotCapable {
  const e = env as Partial<SnapshotCapable>;
  return typeof e.snapshot === 'function' && typeof e.restore === 'function';
}

/** Parse a (partial) config for an algorithm, filling defaults; errors name the bad fields. */
export function resolveConfig(algo: Algo, input: Record<string, unknown> = {}): LearnerConfig {
  const schema = algo === 'ppo' ? PpoConfigSchema : ReinforceConfigSchema;
  const res = schema.strict().safeParse(input);
  if (!res.success) {
    const issues = res.error.issues
      .map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('\n');
    throw new Error(
      `Invalid ${algo} config:\n${issues}\nFix the value in the --config file or the --set override; ` +
        'every field and its default is documented in agents/' +
        `${algo}/config.ts.`,
    );
  }
  return res.data;
}

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
}

interface RoleState {
  spec: RoleSpec;
  policy: RolePolicy;
  rollout: RoleRollout;
  rms: RunningMeanStd | null;
  /** Current observation (normalised when normObs), live mask. */
  obs: Float32Array;
  active: Uint8Array;
  raw: Float32Array;
  envAct: Float32Array;
  epReturn: Float64Array;
  epLength: Int32Array;
  finishedReturns: number[];
  finishedLengths: number[];
  best: number;
}

/** The state at an iteration boundary, in memory (what a checkpoint stores besides tensors). */
interface BoundaryState {
  globalStep: number;
  iteration: number;
  rng: ReturnType<Rng['state']>;
  env: unknown;
  envState: number[];
  roles: Record<
    string,
    {
      obs: number[];
      active: number[];
      epReturn: number[];
      epLength: number[];
      rms: RunningMeanStdJSON | null;
      best: number | null;
    }
  >;
}

interface CheckpointState extends BoundaryState {
  version: 1;
  algo: Algo;
  elapsedSec: number;
  adamSteps: Record<string, number>;
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
  /** Samples trained on so far. */
  globalStep = 0;
  /** Iterations completed so far. */
  iteration = 0;
  readonly events$: Observable<TrainerEvent>;

  private readonly subject = new Subject<TrainerEvent>();
  private readonly state: Record<string, RoleState> = {};
  private rng: Rng;
  private readonly envStateBuf: Float32Array;
  private readonly scope: string;
  private readonly baselineReturns?: Record<string, number>;
  private elapsedBefore = 0;
  private lastYield = 0;
  private paused = false;
  private stopReason: 'interrupt' | 'quit' | undefined;
  private saveRequested = false;
  private started = false;
  private envReady = false;

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
    this.events$ = this.subject.asObservable();
    this.rng = new Rng(`trainer:${this.config.seed}`);
    this.scope = `t${++trainerCounter}`;
    const cfg = this.config;
    const stateDim = cfg.centralizedCritic ? this.env.stateDim : 0;
    if (cfg.centralizedCritic && !(stateDim > 0)) {
      throw new Error(
        'centralizedCritic needs env.stateDim > 0: this env exposes no global state; turn the option off.',
      );
    }
    this.envStateBuf = new Float32Array(Math.max(stateDim, 0));
    let slots = 0;
    for (const spec of this.roles) {
      slots += spec.count;
      const policy = new RolePolicy(spec, {
        hidden: cfg.hiddenSizes,
        activation: cfg.activation,
        seed: cfg.seed,
        criticInputDim: spec.obsDim + stateDim,
        adamEps: cfg.adamEps,
        scope: this.scope,
      });
      const rollout = new RoleRollout({
        numSteps: cfg.numSteps,
        count: spec.count,
        obsDim: spec.obsDim,
        rawDim: policy.rawDim,
        stateDim,
      });
      this.state[spec.name] = {
        spec,
        policy,
        rollout,
        rms: cfg.normObs ? new RunningMeanStd(spec.obsDim) : null,
        obs: new Float32Array(spec.count * spec.obsDim),
        active: new Uint8Array(spec.count),
        raw: new Float32Array(spec.count * policy.rawDim),
        envAct: new Float32Array(spec.count * actionDim(spec.action)),
        epReturn: new Float64Array(spec.count),
        epLength: new Int32Array(spec.count),
        finishedReturns: [],
        finishedLengths: [],
        best: Number.NEGATIVE_INFINITY,
      };
    }
    this.batchSamples = cfg.numSteps * slots;
    this.numIterations = Math.floor(cfg.totalTimesteps / this.batchSamples);
    if (this.numIterations < 1) {
      throw new Error(
        `totalTimesteps (${cfg.totalTimesteps}) is smaller than one rollout (numSteps ${cfg.numSteps} x ${slots} slots = ` +
          `${this.batchSamples} samples): raise totalTimesteps or lower numSteps.`,
      );
    }
    if (this.runDir) {
      this.runDir.writeJson('config.json', { algo: this.algo, ...cfg });
      if (!opts.existingRunDir) this.runDir.writeJson('run.json', this.runInfo());
    }
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
    const st = this.state[role];
    if (!st)
      throw new Error(`Unknown role '${role}': this env has ${this.roles.map((r) => r.name).join(', ')}.`);
    return st.policy;
  }

  /**
   * Actions of a role for raw (unnormalised) observations of all its slots, as the env expects them.
   * Uses the observation normaliser without updating it. `rng` defaults to a fixed evaluation stream.
   */
  act(role: string, obs: Float32Array, opts: { deterministic?: boolean; rng?: Rng } = {}): Float32Array {
    const st = this.state[role];
    if (!st)
      throw new Error(`Unknown role '${role}': this env has ${this.roles.map((r) => r.name).join(', ')}.`);
    const rows = obs.length / st.spec.obsDim;
    const x = st.rms ? st.rms.normalize(obs, undefined, 1e-8, this.config.obsClip) : obs;
    const raw = new Float32Array(rows * st.policy.rawDim);
    const out = new Float32Array(rows * actionDim(st.spec.action));
    st.policy.act(x, rows, opts.rng ?? new Rng('eval'), raw, out, opts.deterministic ?? false);
    return out;
  }

  // ---------------------------------------------------------------------------
  // Controls (safe to call from event handlers and signal handlers).

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.emit({ type: 'paused', paused: true });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.emit({ type: 'paused', paused: false });
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Write `checkpoints/latest` at the next iteration boundary. */
  requestSave(): void {
    this.saveRequested = true;
  }

  /** Stop as soon as possible: save a checkpoint and resolve `run()`. */
  requestStop(reason: 'interrupt' | 'quit' = 'interrupt'): void {
    this.stopReason ??= reason;
  }

  private emit(ev: TrainerEvent): void {
    if (this.subject.observed) this.subject.next(ev);
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  // ---------------------------------------------------------------------------
  // Observation intake.

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
      this.intake(this.state[spec.name], o);
      this.state[spec.name].epReturn.fill(0);
      this.state[spec.name].epLength.fill(0);
    }
    if (this.envStateBuf.length) this.env.state(this.envStateBuf);
    this.envReady = true;
  }

  private async maybeYield(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < this.config.yieldMs && !this.paused) return;
    await new Promise<void>((r) => setImmediate(r));
    while (this.paused && !this.stopReason) await new Promise<void>((r) => setTimeout(r, 50));
    this.lastYield = performance.now();
  }

  // ---------------------------------------------------------------------------
  // The loop.

  /** Collect one rollout. Returns false when a stop request interrupted it. */
  private async collect(): Promise<boolean> {
    const T = this.config.numSteps;
    const gammaStates = this.envStateBuf.length > 0;
    const actions: Record<string, Float32Array> = {};
    for (let t = 0; t < T; t++) {
      // ALGO LOGIC: action logic (sampled in JS from the trainer's Rng)
      for (const spec of this.roles) {
        const st = this.state[spec.name];
        const ro = st.rollout;
        const N = spec.count;
        ro.obs.set(st.obs, t * N * spec.obsDim);
        ro.active.set(st.active, t * N);
        if (gammaStates) ro.states.set(this.envStateBuf, t * this.envStateBuf.length);
        st.policy.act(st.obs, N, this.rng, st.raw, st.envAct);
        ro.raw.set(st.raw, t * N * st.policy.rawDim);
        actions[spec.name] = st.envAct.slice();
      }
      const res = this.env.step(actions);
      for (const spec of this.roles) {
        const st = this.state[spec.name];
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
      if (gammaStates) this.env.state(this.envStateBuf);
      await this.maybeYield();
      if (this.stopReason) return false;
    }
    for (const spec of this.roles) {
      const st = this.state[spec.name];
      st.rollout.nextObs.set(st.obs);
      st.rollout.nextActive.set(st.active);
      if (gammaStates) st.rollout.nextState.set(this.envStateBuf);
    }
    return true;
  }

  /** Current learning rate (CleanRL's linear annealing: frac = 1 - (iteration - 1) / numIterations). */
  learningRate(iteration = this.iteration + 1): number {
    const lr = this.config.learningRate;
    if (!this.config.annealLr) return lr;
    return (1 - (iteration - 1) / this.numIterations) * lr;
  }

  private async update(lr: number): Promise<Record<string, number>> {
    const metrics: Record<string, number> = {};
    for (const spec of this.roles) {
      const st = this.state[spec.name];
      prepareRollout(st.policy, st.rollout, this.config);
      let m: UpdateMetrics;
      if (this.algo === 'ppo') {
        m = await ppoUpdate(st.policy, st.rollout, this.config as PpoConfig, lr, this.rng, () =>
          this.maybeYield(),
        );
      } else {
        m = await reinforceUpdate(st.policy, st.rollout, this.config as ReinforceConfig, lr, this.rng, () =>
          this.maybeYield(),
        );
      }
      for (const [k, v] of Object.entries(m)) metrics[`${k}/${spec.name}`] = v;
      metrics[`charts/learning_rate/${spec.name}`] = lr;
    }
    return metrics;
  }

  private episodeMetrics(metrics: Record<string, number>): void {
    let lenSum = 0;
    let lenN = 0;
    for (const spec of this.roles) {
      const st = this.state[spec.name];
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

  /**
   * Train until the budget is spent or a stop is requested. Yields to the event loop every
   * `yieldMs` so a dashboard can render. Resolves with the final step and why it ended.
   */
  async run(): Promise<{ globalStep: number; reason: 'budget' | 'interrupt' | 'quit' }> {
    if (this.started)
      throw new Error('Trainer.run() was already called; create a new Trainer (or resume the run) instead.');
    this.started = true;
    const info = this.runInfo();
    this.emit({
      type: 'start',
      runName: this.runName,
      scenario: this.scenario,
      backend: info.backend,
      seed: this.config.seed,
      totalTimesteps: this.config.totalTimesteps,
      roles: this.roles.map((r) => r.name),
      baselineReturns: this.baselineReturns,
    });
    if (!this.envReady) this.resetEnv(this.config.seed);
    const t0 = performance.now();
    const step0 = this.globalStep;
    const elapsed = () => this.elapsedBefore + (performance.now() - t0) / 1000;
    this.lastYield = performance.now();

    while (this.iteration < this.numIterations) {
      const boundary = this.captureBoundary();
      if (this.stopReason) return this.finishStopped(boundary, elapsed());
      const tRollout = performance.now();
      if (!(await this.collect())) return this.finishStopped(boundary, elapsed());

      const iteration = this.iteration + 1;
      const lr = this.learningRate(iteration);
      const metrics: Record<string, number> = {};
      this.episodeMetrics(metrics);
      const tUpdate = performance.now();
      Object.assign(metrics, await this.update(lr));
      metrics['perf/rollout_sec'] = (tUpdate - tRollout) / 1000;
      metrics['perf/update_sec'] = (performance.now() - tUpdate) / 1000;
      this.globalStep += this.batchSamples;
      this.iteration = iteration;
      const el = elapsed();
      metrics['charts/SPS'] = Math.round(
        (this.globalStep - step0) / Math.max((performance.now() - t0) / 1000, 1e-9),
      );

      // TRY NOT TO MODIFY: record rewards for plotting purposes
      this.runDir?.appendMetrics({ global_step: this.globalStep, iteration, elapsed_sec: el, ...metrics });
      this.emit({ type: 'iteration', iteration, globalStep: this.globalStep, elapsedSec: el, metrics });

      for (const spec of this.roles) {
        const v = metrics[`charts/episodic_return/${spec.name}`];
        const st = this.state[spec.name];
        if (v !== undefined && v > st.best) {
          st.best = v;
          this.emit({ type: 'best', globalStep: this.globalStep, role: spec.name, value: v });
          if (this.runDir && iteration > 1) this.save(`best-${spec.name}`, el);
        }
      }
      const periodic = this.config.checkpointEvery > 0 && iteration % this.config.checkpointEvery === 0;
      if (this.saveRequested || (periodic && iteration < this.numIterations)) {
        this.checkpoint(this.saveRequested ? 'manual' : 'periodic', el);
        this.saveRequested = false;
      }
    }
    this.checkpoint('final', elapsed());
    this.emit({ type: 'done', globalStep: this.globalStep, reason: 'budget' });
    return { globalStep: this.globalStep, reason: 'budget' };
  }

  private finishStopped(boundary: BoundaryState, el: number) {
    const reason = this.stopReason ?? 'interrupt';
    this.restoreBoundaryCounters(boundary);
    this.checkpoint('interrupt', el, boundary);
    this.emit({ type: 'done', globalStep: this.globalStep, reason });
    return { globalStep: this.globalStep, reason };
  }

  private restoreBoundaryCounters(b: BoundaryState): void {
    this.globalStep = b.globalStep;
    this.iteration = b.iteration;
  }

  // ---------------------------------------------------------------------------
  // Checkpoints.

  private captureBoundary(): BoundaryState {
    const roles: BoundaryState['roles'] = {};
    for (const spec of this.roles) {
      const st = this.state[spec.name];
      roles[spec.name] = {
        obs: Array.from(st.obs),
        active: Array.from(st.active),
        epReturn: Array.from(st.epReturn),
        epLength: Array.from(st.epLength),
        rms: st.rms ? st.rms.toJSON() : null,
        best: Number.isFinite(st.best) ? st.best : null,
      };
    }
    return {
      globalStep: this.globalStep,
      iteration: this.iteration,
      rng: this.rng.state(),
      env: canSnapshot(this.env) ? this.env.snapshot() : null,
      envState: Array.from(this.envStateBuf),
      roles,
    };
  }

  private checkpoint(
    reason: 'periodic' | 'manual' | 'final' | 'interrupt',
    el: number,
    boundary?: BoundaryState,
  ): void {
    if (!this.runDir) return;
    const path = this.save('latest', el, boundary);
    this.emit({ type: 'checkpoint', globalStep: this.globalStep, path, reason });
  }

  private save(name: string, el: number, boundary = this.captureBoundary()): string {
    const tensors: CheckpointTensor[] = [];
    const adamSteps: Record<string, number> = {};
    for (const spec of this.roles) {
      const pol = this.state[spec.name].policy;
      adamSteps[spec.name] = pol.optimizer.step;
      for (const v of pol.stateVariables()) {
        tensors.push({
          name: this.stableName(v.name),
          shape: v.shape.slice(),
          data: v.dataSync() as Float32Array,
        });
      }
    }
    const state: CheckpointState = { version: 1, algo: this.algo, elapsedSec: el, adamSteps, ...boundary };
    return this.runDir!.saveCheckpoint(name, state, tensors);
  }

  private stableName(varName: string): string {
    return varName.startsWith(`${this.scope}/`) ? varName.slice(this.scope.length + 1) : varName;
  }

  /** Load a checkpoint of this run directory into the trainer (weights, optimiser, normalisers, Rng, env). */
  loadCheckpoint(name = 'latest'): void {
    if (!this.runDir) throw new Error('loadCheckpoint needs a trainer with a run directory.');
    const { state, tensors } = this.runDir.loadCheckpoint<CheckpointState>(name);
    if (state.algo !== this.algo) {
      throw new Error(
        `Checkpoint '${name}' was trained with ${state.algo}, not ${this.algo}: pass --algo ${state.algo}.`,
      );
    }
    for (const spec of this.roles) {
      const st = this.state[spec.name];
      const saved = state.roles[spec.name];
      if (!saved)
        throw new Error(`Checkpoint '${name}' has no role '${spec.name}': it belongs to a different env.`);
      if (saved.obs.length !== st.obs.length) {
        throw new Error(
          `Checkpoint '${name}' has ${saved.obs.length / spec.obsDim} slots x obs for role '${spec.name}', the env has ` +
            `${spec.count} x ${spec.obsDim}: resume with the same env and scenario config.`,
        );
      }
      tf.tidy(() => {
        for (const v of st.policy.stateVariables()) {
          const t = tensors.get(this.stableName(v.name));
          if (!t)
            throw new Error(
              `Checkpoint '${name}' lacks tensor ${this.stableName(v.name)}: it was written by another network size.`,
            );
          if (t.shape.join('x') !== v.shape.join('x')) {
            throw new Error(
              `Checkpoint tensor ${t.name} has shape [${t.shape}], the network has [${v.shape}]: use the run's own config.json.`,
            );
          }
          v.assign(tf.tensor(t.data, t.shape));
        }
      });
      st.policy.optimizer.step = state.adamSteps[spec.name] ?? 0;
      st.obs.set(saved.obs);
      st.active.set(saved.active);
      st.epReturn.set(saved.epReturn);
      st.epLength.set(saved.epLength);
      st.rms = saved.rms ? RunningMeanStd.fromJSON(saved.rms) : st.rms;
      st.best = saved.best ?? Number.NEGATIVE_INFINITY;
    }
    this.rng = Rng.fromState(normalizeRngState(state.rng));
    this.globalStep = state.globalStep;
    this.iteration = state.iteration;
    this.elapsedBefore = state.elapsedSec;
    this.envStateBuf.set(state.envState);
    if (state.env !== null && canSnapshot(this.env)) {
      this.env.restore(state.env);
      this.envReady = true;
    } else {
      const seed = this.config.seed + 7919 * (state.iteration + 1);
      this.resetEnv(seed);
      queueMicrotask(() =>
        this.log(
          'warn',
          `This env cannot snapshot its state: resumed with a fresh env.reset(${seed}); the learner continues exactly, ` +
            'the episodes in progress at the checkpoint were dropped.',
        ),
      );
    }
    this.runDir.truncateMetrics(state.iteration);
  }

  /** Free the networks' tensors. */
  dispose(): void {
    for (const spec of this.roles) this.state[spec.name].policy.dispose();
    this.subject.complete();
  }
}

function normalizeRngState(s: ReturnType<Rng['state']>): RngState & { spare?: number } {
  return { c: s.c, s0: s.s0, s1: s.s1, s2: s.s2, spare: s.spare ?? undefined };
}

function describeAction(r: RoleSpec) {
  return r.action.kind === 'box'
    ? { kind: 'box', dim: r.action.dim, low: Array.from(r.action.low), high: Array.from(r.action.high) }
    : { kind: 'discrete', n: r.action.n };
}

export interface ResumeOptions {
  /** Override the total budget (e.g. to train further than the original run). */
  totalTimesteps?: number;
  baselineReturns?: Record<string, number>;
}

/**
 * Continue a stopped run from `runs/<name>/checkpoints/latest` with a fresh env built like the
 * original (same env id / scenario and options). The run's config.json and run.json are reused.
 */
export async function resume(runDir: string, env: BatchedEnv, opts: ResumeOptions = {}): Promise<Trainer> {
  const dir = RunDir.open(runDir);
  const { algo, ...config } = dir.readJson<{ algo: Algo } & Record<string, unknown>>('config.json');
  const info = dir.readJson<{ runName: string; scenario: string }>('run.json');
  if (opts.totalTimesteps !== undefined) config.totalTimesteps = opts.totalTimesteps;
  const trainer = new Trainer({
    env,
    algo,
    config,
    runName: info.runName,
    scenario: info.scenario,
    baselineReturns: opts.baselineReturns,
    existingRunDir: dir,
  });
  trainer.loadCheckpoint('latest');
  return trainer;
}
