/**
 * The coprocessor network as a batched, role-grouped environment (the view the
 * trainer uses; the PettingZoo-style record API is a thin layer on top of it).
 *
 * One step is one period. Roles: `operator` (actions theta, eta) and
 * `coprocessor` (the bid: a markup or psi by mechanism; kappa; and e when the
 * scenario allows shirking), all in [0, 1] (an entry outside is clipped to [0, 1]); observations as laid out in
 * src/sim/observation.ts. A role can instead be played by a fixed policy (`opponents`), which
 * removes it from `roles`: e.g. train coprocessors against paper-heuristic operators.
 * With `opponentMix`, a share of a role's slots is played by a fixed policy
 * drawn from a pool at every reset (an opponent is the mix of share 1 and a
 * pool of one), and the learner controls the rest: the
 * fixed slots are inactive in the learner's view (like ejected ones), so a
 * learned policy trains against fixed ones in the same market, as the mixed
 * market of `copronet eval` measures it.
 *
 * Rewards are the agent's profit in the period times `scenario.rewardScale`.
 * An ejected agent's slot is terminated on the step it is ejected and stays
 * inactive until the episode ends. The episode is truncated at the horizon T,
 * and terminated for everyone left when a whole role has been ejected (no
 * operator left means no task is ever assigned again, no coprocessor means
 * nothing can be delegated).
 */
import { type Observable, Subject } from 'rxjs';
import type { Scenario } from '../../src/sim/scenario.ts';
import type { BatchedEnv, RoleObservation, RoleSpec, RoleTransition } from '../../src/core/batched.ts';
import { Rng, type RngState } from '../../src/core/rng.ts';
import { assertSeed } from '../../src/core/validate.ts';
import {
  COPROCESSOR_OBS_DIM,
  NetworkSim,
  type NetworkSnapshot,
  OPERATOR_ACTION_DIM,
  OPERATOR_OBS_DIM,
  type SimListener,
  type SlashReason,
} from '../../src/sim/network.ts';
import { mixPolicies, type Policy, type Role } from '../../src/sim/policy.ts';
import { STATE_DIM, writeState } from './state.ts';

/** Events of the network environment (`events$`). Built only while someone subscribes. */
export type NetworkEvent =
  | { type: 'step'; episode: number; period: number; metrics: Record<string, number> }
  | {
      type: 'episode-end';
      episode: number;
      periods: number;
      /** Sum of per-agent profits over the episode, per role. */
      totalProfit: Record<Role, number>;
      active: Record<Role, number>;
    }
  | {
      type: 'auction';
      episode: number;
      period: number;
      task: number;
      operator: number;
      /** The winner, or -1 when nobody accepted. */
      coprocessor: number;
      price: number;
      reward: number;
    }
  | {
      type: 'slash';
      episode: number;
      period: number;
      role: Role;
      index: number;
      amount: number;
      reason: SlashReason;
    }
  | { type: 'ejection'; episode: number; period: number; role: Role; index: number; balance: number };

/** Fixed policies for part (or all) of a role's slots, drawn anew every episode. */
export interface OpponentMix {
  /**
   * Share of the role's slots the fixed policies play, in (0, 1]: each episode
   * round(share x count) slots, drawn uniformly. 1 takes the role from the learner.
   */
  share: number;
  /** The policies one of which (uniformly, per episode) plays the fixed slots. */
  pool: readonly Policy[];
}

export interface NetworkEnvOptions {
  /** Fixed policies for roles the learner does not control. @default {} */
  opponents?: Partial<Record<Role, Policy>>;
  /** Fixed policies for a share of a role's slots (see OpponentMix); not with `opponents` for the same role. @default {} */
  opponentMix?: Partial<Record<Role, OpponentMix>>;
  /** Reset automatically when an episode ends (same-step, as the batched view documents). @default true */
  autoreset?: boolean;
}

interface RoleBuffers {
  spec: RoleSpec;
  obs: Float32Array;
  finalObs: Float32Array;
  active: Uint8Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  actions: Float32Array;
  /** Live at the start of the current step. */
  acted: Uint8Array;
  /** Slots the episode's fixed policy plays (all 0 without a mix). */
  fixed: Uint8Array;
  /**
   * The learner's view when the mix leaves it some slots: active = live and not
   * fixed; rewards and flags 0 on fixed slots. Null when the learner has every slot or none.
   */
  view: { active: Uint8Array; rewards: Float32Array; terminated: Uint8Array; truncated: Uint8Array } | null;
  /** Index in the mix's pool of this episode's fixed policy (-1 without a mix). */
  poolIndex: number;
  /** The learner's actions with the fixed slots' rows taken from the episode's pool member (with a view). */
  mixer: Policy | null;
}

export class NetworkBatchedEnv implements BatchedEnv {
  readonly sim: NetworkSim;
  readonly scenario: Scenario;
  readonly roles: readonly RoleSpec[];
  readonly stateDim = STATE_DIM;
  private readonly buf: Record<Role, RoleBuffers>;
  /** Fixed policies per role: `opponents` as a mix of share 1, and `opponentMix`. */
  private readonly mix: Partial<Record<Role, { pool: readonly Policy[]; fixedCount: number }>> = {};
  private readonly autoreset: boolean;
  private readonly events = new Subject<NetworkEvent>();
  private readonly periodEvents = new Subject<NetworkEvent>();
  /** Every market event (steps, episode ends, each auction, slash and ejection); nothing is built while nobody subscribes. */
  readonly events$: Observable<NetworkEvent> = this.events.asObservable();
  /**
   * Only the per-period events (step, episode-end, ejection): what a dashboard
   * needs, without an event object per auction and slash.
   */
  readonly periodEvents$: Observable<NetworkEvent> = this.periodEvents.asObservable();
  private rng: Rng;
  private needsReset = true;
  private closed = false;
  /** Episodes started since construction. */
  episode = 0;
  private readonly listener: SimListener;
  /** The listener while only `periodEvents$` is watched: ejections only. */
  private readonly ejectionListener: SimListener;

  constructor(scenario: Scenario, options: NetworkEnvOptions = {}) {
    this.scenario = scenario;
    this.sim = new NetworkSim(scenario);
    this.autoreset = options.autoreset ?? true;
    this.rng = new Rng(scenario.seed);
    const unit = (n: number) => ({
      kind: 'box' as const,
      dim: n,
      low: new Float32Array(n),
      high: new Float32Array(n).fill(1),
    });
    const make = (name: Role, count: number, obsDim: number, actDim: number): RoleBuffers => ({
      spec: { name, count, obsDim, action: unit(actDim) },
      obs: new Float32Array(count * obsDim),
      finalObs: new Float32Array(count * obsDim),
      active: new Uint8Array(count),
      rewards: new Float32Array(count),
      terminated: new Uint8Array(count),
      truncated: new Uint8Array(count),
      actions: new Float32Array(count * actDim),
      acted: new Uint8Array(count),
      fixed: new Uint8Array(count),
      view: null,
      poolIndex: -1,
      mixer: null,
    });
    this.buf = {
      operator: make('operator', this.sim.nOps, OPERATOR_OBS_DIM, OPERATOR_ACTION_DIM),
      coprocessor: make('coprocessor', this.sim.nCops, COPROCESSOR_OBS_DIM, this.sim.coprocessorActionDim),
    };
    const mixes = { ...options.opponentMix };
    for (const [role, p] of Object.entries(options.opponents ?? {}) as [Role, Policy | undefined][]) {
      if (!p) continue;
      if (mixes[role]) {
        throw new Error(`NetworkBatchedEnv: opponents.${role} and opponentMix.${role} both set; pass one`);
      }
      mixes[role] = { share: 1, pool: [p] };
    }
    for (const [role, m] of Object.entries(mixes) as [Role, OpponentMix | undefined][]) {
      if (!m) continue;
      const count = this.buf[role].spec.count;
      if (!(m.share > 0 && m.share <= 1)) {
        throw new RangeError(
          `NetworkBatchedEnv: opponentMix.${role}.share must be in (0, 1], got ${m.share}`,
        );
      }
      if (m.pool.length === 0) {
        throw new RangeError(
          `NetworkBatchedEnv: opponentMix.${role}.pool is empty; pass at least one policy`,
        );
      }
      const fixedCount = Math.round(m.share * count);
      if (m.share < 1 && (fixedCount === 0 || fixedCount === count)) {
        throw new RangeError(
          `NetworkBatchedEnv: opponentMix.${role}.share ${m.share} of ${count} slots leaves ` +
            `${fixedCount === 0 ? 'no fixed slot' : 'no slot to the learner'}; use a share between ` +
            `${(1 / count).toFixed(3)} and ${(1 - 1 / count).toFixed(3)}, or 1 for the whole role`,
        );
      }
      const mix = { pool: [...m.pool], fixedCount };
      this.mix[role] = mix;
      const b = this.buf[role];
      // Until the first reset draws them: the first pool member, and the whole role when it is all fixed.
      b.poolIndex = 0;
      if (fixedCount === count) b.fixed.fill(1);
      if (fixedCount < count) {
        b.view = {
          active: new Uint8Array(count),
          rewards: new Float32Array(count),
          terminated: new Uint8Array(count),
          truncated: new Uint8Array(count),
        };
        const member: Policy = {
          name: 'opponent mix',
          act: (obs, active, n, out) => mix.pool[b.poolIndex].act(obs, active, n, out),
        };
        const keep: Policy = { name: 'learner', act() {} };
        b.mixer = mixPolicies(member, keep, b.fixed);
      }
    }
    this.roles = (['operator', 'coprocessor'] as const)
      .filter((r) => this.buf[r].view !== null || !this.mix[r])
      .map((r) => this.buf[r].spec);
    const ev = this.events;
    const sim = this.sim;
    const ejection = (role: Role, index: number, balance: number) => {
      const e: NetworkEvent = {
        type: 'ejection',
        episode: this.episode,
        period: sim.t,
        role,
        index,
        balance,
      };
      if (ev.observed) ev.next(e);
      if (this.periodEvents.observed) this.periodEvents.next(e);
    };
    this.listener = {
      auction: (task, operator, coprocessor, price, reward) =>
        ev.next({
          type: 'auction',
          episode: this.episode,
          period: sim.t,
          task,
          operator,
          coprocessor,
          price,
          reward,
        }),
      slash: (role, index, amount, reason) =>
        ev.next({ type: 'slash', episode: this.episode, period: sim.t, role, index, amount, reason }),
      ejection,
    };
    const noop = () => {};
    this.ejectionListener = { auction: noop, slash: noop, ejection };
  }

  /** Role names the learner controls. */
  get learnerRoles(): Role[] {
    return this.roles.map((r) => r.name as Role);
  }

  reset(seed?: number): Record<string, RoleObservation> {
    this.assertOpen('reset');
    assertSeed(seed, 'NetworkBatchedEnv.reset()', true);
    if (seed !== undefined) this.rng = new Rng(seed);
    this.startEpisode();
    return this.observationRecord();
  }

  private startEpisode(): void {
    this.sim.reset(this.rng.uint32());
    this.episode++;
    this.needsReset = false;
    for (const role of ['operator', 'coprocessor'] as const) {
      const b = this.buf[role];
      b.active.fill(1);
      const m = this.mix[role];
      if (!m) continue;
      // Draws only for a mix: runs without one keep their generator sequence.
      b.poolIndex = m.pool.length > 1 ? this.rng.int(m.pool.length) : 0;
      b.fixed.fill(0);
      if (m.fixedCount === b.spec.count) b.fixed.fill(1);
      else {
        // The first fixedCount entries of a seeded partial Fisher-Yates shuffle.
        const idx = Array.from({ length: b.spec.count }, (_, i) => i);
        for (let i = 0; i < m.fixedCount; i++) {
          const j = i + this.rng.int(b.spec.count - i);
          [idx[i], idx[j]] = [idx[j], idx[i]];
          b.fixed[idx[i]] = 1;
        }
      }
      this.updateView(b);
    }
    this.writeObs();
  }

  step(actions: Record<string, Float32Array>): Record<string, RoleTransition> {
    this.assertOpen('step');
    if (this.needsReset) {
      throw new Error('NetworkBatchedEnv.step() called before reset(): call env.reset({seed}) first.');
    }
    const sim = this.sim;
    for (const role of ['operator', 'coprocessor'] as const) {
      const b = this.buf[role];
      b.acted.set(b.active);
      const m = this.mix[role];
      if (m && !b.view) {
        m.pool[b.poolIndex].act(b.obs, b.active, b.spec.count, b.actions);
      } else {
        const a = actions[role];
        const want = b.actions.length;
        if (!a || a.length !== want) {
          throw new RangeError(
            `NetworkBatchedEnv.step(): actions.${role} must be a Float32Array of ${want} entries ` +
              `(${b.spec.count} slots x ${want / Math.max(1, b.spec.count)}), got ${a ? a.length : 'none'}.`,
          );
        }
        b.actions.set(a);
        // The fixed policy sees the whole batch (its own draws do not depend on the split); its rows win.
        b.mixer?.act(b.obs, b.active, b.spec.count, b.actions);
      }
    }
    const all = this.events.observed;
    const periods = this.periodEvents.observed;
    const observed = all || periods;
    sim.listener = all ? this.listener : periods ? this.ejectionListener : null;
    sim.step(this.buf.operator.actions, this.buf.coprocessor.actions);
    sim.listener = null;
    const collapsed = sim.metrics.activeOperators === 0 || sim.metrics.activeCoprocessors === 0;
    const horizon = sim.done;
    const scale = this.scenario.rewardScale;
    this.writeObs();
    for (const role of ['operator', 'coprocessor'] as const) {
      const b = this.buf[role];
      const live = role === 'operator' ? sim.opActive : sim.cpActive;
      const profit = role === 'operator' ? sim.opProfit : sim.cpProfit;
      for (let i = 0; i < b.spec.count; i++) {
        const acted = b.acted[i] === 1;
        b.rewards[i] = acted ? profit[i] * scale : 0;
        const ejected = acted && live[i] === 0;
        b.terminated[i] = acted && (ejected || collapsed) ? 1 : 0;
        b.truncated[i] = acted && !b.terminated[i] && horizon ? 1 : 0;
        b.active[i] = acted && !b.terminated[i] && !b.truncated[i] ? 1 : 0;
      }
    }
    if (observed) {
      this.emitPeriod({
        type: 'step',
        episode: this.episode,
        period: sim.t - 1,
        metrics: sim.metrics.toRow(),
      });
    }
    const over = horizon || collapsed;
    if (over) {
      if (observed) {
        let op = 0;
        let cp = 0;
        for (let i = 0; i < sim.nOps; i++) op += sim.opTotalProfit[i];
        for (let k = 0; k < sim.nCops; k++) cp += sim.cpTotalProfit[k];
        this.emitPeriod({
          type: 'episode-end',
          episode: this.episode,
          periods: sim.t,
          totalProfit: { operator: op, coprocessor: cp },
          active: { operator: sim.metrics.activeOperators, coprocessor: sim.metrics.activeCoprocessors },
        });
      }
    }
    // Final observations of slots whose episode ended on this step.
    for (const role of ['operator', 'coprocessor'] as const) {
      const b = this.buf[role];
      const D = b.spec.obsDim;
      for (let i = 0; i < b.spec.count; i++) {
        if (b.terminated[i] || b.truncated[i]) b.finalObs.set(b.obs.subarray(i * D, (i + 1) * D), i * D);
      }
      const v = b.view;
      if (v) {
        // The episode's fixed slots (this step's, before an autoreset draws the next ones) are not the learner's.
        for (let i = 0; i < b.spec.count; i++) {
          const mine = b.fixed[i] === 0;
          v.rewards[i] = mine ? b.rewards[i] : 0;
          v.terminated[i] = mine ? b.terminated[i] : 0;
          v.truncated[i] = mine ? b.truncated[i] : 0;
        }
        this.updateView(b);
      }
    }
    if (over) {
      if (this.autoreset) this.startEpisode();
      else this.needsReset = true;
    }
    const out: Record<string, RoleTransition> = {};
    for (const spec of this.roles) {
      const b = this.buf[spec.name as Role];
      const v = b.view;
      out[spec.name] = {
        obs: b.obs,
        active: v ? v.active : b.active,
        rewards: v ? v.rewards : b.rewards,
        terminated: v ? v.terminated : b.terminated,
        truncated: v ? v.truncated : b.truncated,
        finalObs: b.finalObs,
      };
    }
    return out;
  }

  /** True once the current episode is over (only without autoreset). */
  get episodeOver(): boolean {
    return this.needsReset;
  }

  state(out?: Float32Array): Float32Array {
    const o = out ?? new Float32Array(STATE_DIM);
    writeState(this.sim, o);
    return o;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.complete();
    this.periodEvents.complete();
  }

  private emitPeriod(e: NetworkEvent): void {
    if (this.events.observed) this.events.next(e);
    if (this.periodEvents.observed) this.periodEvents.next(e);
  }

  /** The full state (simulator, generator, slots), so a training run resumes exactly. */
  snapshot(): unknown {
    const roles: Record<string, { obs: number[]; active: number[]; fixed?: number[]; poolIndex?: number }> =
      {};
    for (const role of ['operator', 'coprocessor'] as const) {
      const b = this.buf[role];
      roles[role] = { obs: Array.from(b.obs), active: Array.from(b.active) };
      if (this.mix[role]) {
        roles[role].fixed = Array.from(b.fixed);
        roles[role].poolIndex = b.poolIndex;
      }
    }
    // The fixed policies' own generators (the random baseline draws), so that resuming is exact with them too.
    const policies: Record<string, unknown> = {};
    for (const role of ['operator', 'coprocessor'] as const) {
      const list = this.fixedPolicies(role);
      if (list.some((p) => p.snapshot)) policies[role] = list.map((p) => p.snapshot?.() ?? null);
    }
    return {
      sim: this.sim.snapshot(),
      rng: this.rng.state(),
      episode: this.episode,
      needsReset: this.needsReset,
      roles,
      policies,
    };
  }

  restore(state: unknown): void {
    const s = state as {
      sim: NetworkSnapshot;
      rng: RngState & { spare?: number };
      episode: number;
      needsReset: boolean;
      roles: Record<Role, { obs: number[]; active: number[]; fixed?: number[]; poolIndex?: number }>;
      policies?: Partial<Record<Role, unknown[]>>;
    };
    this.sim.restore(s.sim);
    this.rng = Rng.fromState(s.rng);
    this.episode = s.episode;
    this.needsReset = s.needsReset;
    for (const role of ['operator', 'coprocessor'] as const) {
      const b = this.buf[role];
      const r = s.roles[role];
      b.obs.set(r.obs);
      b.active.set(r.active);
      const m = this.mix[role];
      // Snapshots from before the mix hold no slot split: fine for a whole-role opponent, whose split never changes.
      if (m && r.fixed === undefined && (b.view || m.pool.length > 1)) {
        throw new Error(
          `NetworkBatchedEnv.restore(): the snapshot has no opponent mix for ${role}, but this env has one; restore into an env built with the same options`,
        );
      }
      if (r.fixed) b.fixed.set(r.fixed);
      if (r.poolIndex !== undefined) b.poolIndex = r.poolIndex;
      this.updateView(b);
      const saved = s.policies?.[role];
      if (saved) {
        this.fixedPolicies(role).forEach((p, i) => {
          if (saved[i] != null) p.restore?.(saved[i]);
        });
      }
    }
  }

  /** The fixed policies that play (part of) a role: its opponent, or its mix's pool. */
  private fixedPolicies(role: Role): readonly Policy[] {
    return this.mix[role]?.pool ?? [];
  }

  /** The learner's active mask: live and not fixed (derived, so never stored). */
  private updateView(b: RoleBuffers): void {
    const v = b.view;
    if (!v) return;
    for (let i = 0; i < b.spec.count; i++) v.active[i] = b.active[i] && !b.fixed[i] ? 1 : 0;
  }

  /** Per-slot buffers of a role (observations, active mask, last rewards), whether or not the learner controls it. */
  roleBuffers(role: Role): Readonly<RoleBuffers> {
    return this.buf[role];
  }

  private writeObs(): void {
    this.sim.writeOperatorObs(this.buf.operator.obs);
    this.sim.writeCoprocessorObs(this.buf.coprocessor.obs);
  }

  private observationRecord(): Record<string, RoleObservation> {
    const out: Record<string, RoleObservation> = {};
    for (const spec of this.roles) {
      const b = this.buf[spec.name as Role];
      out[spec.name] = { obs: b.obs, active: b.view ? b.view.active : b.active };
    }
    return out;
  }

  private assertOpen(what: string): void {
    if (this.closed)
      throw new Error(`NetworkBatchedEnv.${what}() called after close(): make a new environment.`);
  }
}
