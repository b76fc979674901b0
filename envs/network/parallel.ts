/**
 * `CoprocessorNetwork-v0`: the network as a PettingZoo-style parallel
 * environment. Agents `operator_<i>` and `coprocessor_<k>` act every period;
 * an ejected agent appears once with `terminations[agent] = true` and then
 * leaves every record; the episode is over when `agents` is empty.
 *
 * Actions are Boxes in [0, 1]; an entry outside is clipped to [0, 1] (README, "The environment"), and
 * `infos[agent].clipped_actions` counts the entries of the agent's action clipped this step.
 *
 * This is a thin layer on the batched view (`env.batched`), which the trainer uses directly.
 */
import type { Observable } from 'rxjs';
import type { Scenario } from '../../src/sim/scenario.ts';
import { loadScenario } from '../scenarios/index.ts';
import type { EnvMetadata, Info, ParallelEnv, ParallelStepResult, ResetOptions } from '../../src/core/env.ts';
import { Box } from '../../src/core/spaces/box.ts';
import { assertAction, assertSeed, describe } from '../../src/core/validate.ts';
import { COPROCESSOR_OBS, type ObsLayout, OPERATOR_OBS } from '../../src/sim/observation.ts';
import type { Policy, Role } from '../../src/sim/policy.ts';
import { NetworkBatchedEnv, type NetworkEvent } from './batched.ts';
import { STATE_DIM, STATE_HIGH, STATE_LOW } from './state.ts';

export interface CoprocessorNetworkOptions {
  /** Built-in scenario name, path to a scenario file, or a parsed scenario. @default 'quick' */
  scenario?: string | Scenario;
  /** Deep-partial scenario overrides, e.g. `{slashing: {factor: 2}}`. @default {} */
  overrides?: Record<string, unknown>;
  /** Fixed policies for roles that are not agents of this environment. @default {} */
  opponents?: Partial<Record<Role, Policy>>;
  /** `'ansi'` to make `render()` return a text summary; any other mode is an error naming it. @default undefined */
  renderMode?: 'ansi';
}

const RESERVED = new Set(['scenario', 'overrides', 'opponents', 'renderMode']);

/**
 * Split `make()` keyword arguments: reserved keys are options, any other key is a scenario override
 * (validated by the scenario schema, so an unknown one is an error naming it). `render_mode`, Gymnasium's
 * spelling, is an error pointing to `renderMode` rather than an unknown scenario field.
 */
export function networkOptionsFromKwargs(kwargs: Record<string, unknown>): CoprocessorNetworkOptions {
  if (Object.hasOwn(kwargs, 'render_mode')) {
    throw new TypeError(
      "CoprocessorNetwork-v0: unknown keyword argument 'render_mode' (did you mean 'renderMode'?); the render " +
        "modes are those of metadata.renderModes: 'ansi'.",
    );
  }
  const overrides: Record<string, unknown> = { ...((kwargs.overrides as Record<string, unknown>) ?? {}) };
  for (const [k, v] of Object.entries(kwargs)) if (!RESERVED.has(k)) overrides[k] = v;
  return {
    scenario: kwargs.scenario as string | Scenario | undefined,
    overrides,
    opponents: kwargs.opponents as CoprocessorNetworkOptions['opponents'],
    renderMode: kwargs.renderMode as 'ansi' | undefined,
  };
}

function resolveScenario(opts: CoprocessorNetworkOptions): Scenario {
  const s = opts.scenario ?? 'quick';
  const hasOverrides = opts.overrides && Object.keys(opts.overrides).length > 0;
  if (typeof s === 'string') return loadScenario(s, hasOverrides ? opts.overrides : undefined);
  if (hasOverrides)
    throw new TypeError(
      'CoprocessorNetwork: pass overrides with a scenario name, not with a parsed scenario.',
    );
  return s;
}

/** A role's observation space: the bounds of its layout (`src/sim/observation.ts`). */
function boxFor(layout: ObsLayout, seed: number): Box {
  return new Box([...layout.low], [...layout.high], [layout.dim], 'float32', seed);
}

export class CoprocessorNetworkEnv implements ParallelEnv<string, Float32Array, Float32Array> {
  readonly metadata: EnvMetadata = {
    renderModes: ['ansi'],
    name: 'CoprocessorNetwork-v0',
    isParallelizable: true,
  };
  readonly renderMode: 'ansi' | undefined;
  readonly scenario: Scenario;
  /**
   * The space of `state()`: a Box of STATE_DIM entries with the bounds of `STATE` (envs/network/state.ts),
   * infinite where a balance, a profit or the GAS filter alpha is unbounded.
   */
  readonly stateSpace: Box;
  /** The batched, role-grouped view this environment is built on. */
  readonly batched: NetworkBatchedEnv;
  readonly possibleAgents: readonly string[];
  private live: string[] = [];
  private readonly slot = new Map<string, { role: Role; index: number; pos: number }>();
  /** Entries of each agent's action clipped to [0, 1] in the current step, by position in possibleAgents. */
  private readonly clipped: Int32Array;
  private readonly obsSpaces = new Map<string, Box>();
  private readonly actSpaces = new Map<string, Box>();
  private started = false;

  constructor(options: CoprocessorNetworkOptions = {}) {
    const unknown = Object.keys(options).filter((k) => !RESERVED.has(k));
    if (unknown.length > 0) {
      throw new TypeError(
        `CoprocessorNetworkEnv: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; ` +
          `it takes ${[...RESERVED].join(', ')} (scenario fields go in overrides).`,
      );
    }
    const mode = options.renderMode;
    if (mode !== undefined && !this.metadata.renderModes.includes(mode)) {
      throw new Error(
        `CoprocessorNetworkEnv: unsupported render mode '${mode}'; supported: ` +
          `${this.metadata.renderModes.map((m) => `'${m}'`).join(', ')} (or none).`,
      );
    }
    this.scenario = resolveScenario(options);
    this.renderMode = mode;
    this.stateSpace = new Box([...STATE_LOW], [...STATE_HIGH], [STATE_DIM], 'float32', this.scenario.seed);
    this.batched = new NetworkBatchedEnv(this.scenario, { opponents: options.opponents, autoreset: false });
    const agents: string[] = [];
    for (const spec of this.batched.roles) {
      const role = spec.name as Role;
      const layout = role === 'operator' ? OPERATOR_OBS : COPROCESSOR_OBS;
      const dim = spec.action.kind === 'box' ? spec.action.dim : 1;
      // One space object per role, shared by its agents: the same object on every call.
      const obsSpace = boxFor(layout, this.scenario.seed);
      const actSpace = new Box(0, 1, [dim], 'float32', this.scenario.seed);
      for (let i = 0; i < spec.count; i++) {
        const id = `${role}_${i}`;
        this.slot.set(id, { role, index: i, pos: agents.length });
        agents.push(id);
        this.obsSpaces.set(id, obsSpace);
        this.actSpaces.set(id, actSpace);
      }
    }
    this.possibleAgents = Object.freeze(agents);
    this.clipped = new Int32Array(agents.length);
  }

  get agents(): readonly string[] {
    return this.live;
  }

  /** Market events (auctions, slashes, ejections, steps, episode ends); free while nobody subscribes. */
  get events$(): Observable<NetworkEvent> {
    return this.batched.events$;
  }

  observationSpace(agent: string): Box {
    const s = this.obsSpaces.get(agent);
    if (!s) throw new RangeError(this.unknownAgent(agent));
    return s;
  }

  /**
   * The agent's action space: a Box in [0, 1] (operators theta, eta; coprocessors bid, kappa[, e]). An entry
   * outside [0, 1] is clipped to it, not refused; `infos[agent].clipped_actions` counts the entries clipped
   * in a step (a policy that often leaves the box gets the edge, not what it asked for).
   */
  actionSpace(agent: string): Box {
    const s = this.actSpaces.get(agent);
    if (!s) throw new RangeError(this.unknownAgent(agent));
    return s;
  }

  reset(opts: ResetOptions = {}): {
    observations: Record<string, Float32Array>;
    infos: Record<string, Info>;
  } {
    assertSeed(opts.seed, 'CoprocessorNetworkEnv.reset()', true);
    this.batched.reset(opts.seed);
    this.started = true;
    this.live = [...this.possibleAgents];
    const observations: Record<string, Float32Array> = {};
    const infos: Record<string, Info> = {};
    for (const id of this.live) {
      observations[id] = this.obsOf(id);
      infos[id] = {};
    }
    return { observations, infos };
  }

  step(actions: Partial<Record<string, Float32Array>>): ParallelStepResult<string, Float32Array> {
    if (!this.started)
      throw new Error('CoprocessorNetworkEnv.step() called before reset(): call env.reset({seed}) first.');
    if (this.live.length === 0) {
      throw new Error(
        'CoprocessorNetworkEnv.step(): the episode is over (agents is empty); call env.reset() to start a new one.',
      );
    }
    if (actions === null || typeof actions !== 'object') {
      throw new TypeError(
        `CoprocessorNetworkEnv.step(): actions must be a record keyed by agent id, got ${describe(actions)}.`,
      );
    }
    const liveSet = new Set(this.live);
    for (const id of Object.keys(actions)) {
      if (!this.slot.has(id)) throw new RangeError(`CoprocessorNetworkEnv.step(): ${this.unknownAgent(id)}`);
      if (!liveSet.has(id)) {
        throw new RangeError(
          `CoprocessorNetworkEnv.step(): agent '${id}' is done (terminated or truncated) and takes no more actions; ` +
            'send actions only for the agents in env.agents.',
        );
      }
    }
    const missing = this.live.filter((id) => actions[id] === undefined);
    if (missing.length > 0) {
      throw new RangeError(
        `CoprocessorNetworkEnv.step(): no action for ${missing.length} live agent(s): ${missing.slice(0, 5).join(', ')}` +
          `${missing.length > 5 ? ', ...' : ''}. Every agent in env.agents acts each step.`,
      );
    }
    const batchActions: Record<string, Float32Array> = {};
    for (const spec of this.batched.roles) {
      batchActions[spec.name] = new Float32Array(
        spec.count * (spec.action.kind === 'box' ? spec.action.dim : 1),
      );
    }
    for (const id of this.live) {
      const a = actions[id];
      assertAction(this.actSpaces.get(id)!, a, `CoprocessorNetworkEnv.step(actions['${id}'])`);
      const { role, index, pos } = this.slot.get(id)!;
      const out = batchActions[role];
      const dim = out.length / this.batched.roleBuffers(role).spec.count;
      let clipped = 0;
      for (let q = 0; q < dim; q++) {
        const v = a![q];
        out[index * dim + q] = v;
        // The simulator clips every entry to [0, 1] (src/sim/network.ts, applyActions); count what it clips.
        if (v < 0 || v > 1) clipped++;
      }
      this.clipped[pos] = clipped;
    }
    const tr = this.batched.step(batchActions);
    const result: ParallelStepResult<string, Float32Array> = {
      observations: {},
      rewards: {},
      terminations: {},
      truncations: {},
      infos: {},
    };
    const period = this.batched.sim.t;
    const next: string[] = [];
    for (const id of this.live) {
      const { role, index, pos } = this.slot.get(id)!;
      const t = tr[role];
      result.observations[id] = this.obsOf(id);
      result.rewards[id] = t.rewards[index];
      result.terminations[id] = t.terminated[index] === 1;
      result.truncations[id] = t.truncated[index] === 1;
      const clipped_actions = this.clipped[pos];
      result.infos[id] = t.terminated[index]
        ? { period, clipped_actions, ejected: this.isEjected(role, index) }
        : { period, clipped_actions };
      if (t.active[index]) next.push(id);
    }
    this.live = next;
    return result;
  }

  state(): Float32Array {
    return this.batched.state();
  }

  render(): string | undefined {
    if (this.renderMode !== 'ansi') return undefined;
    const m = this.batched.sim.metrics;
    const n = Math.max(1, m.tasks);
    const pct = (x: number) => `${((100 * x) / n).toFixed(1)}%`;
    return [
      `period ${this.batched.sim.t}/${this.scenario.periods}  tasks ${m.tasks}`,
      `delegated ${pct(m.delegated)}  self ${pct(m.selfExecuted)}  fallback ${pct(m.fallback)}  dropped ${pct(m.dropped)}`,
      `price/R ${m.meanPriceRatio.toFixed(3)}  failures ${m.failures}  undetected shirks ${m.undetectedShirks}`,
      `active: ${m.activeOperators} operators, ${m.activeCoprocessors} coprocessors  mean load ${m.meanCoprocessorLoad.toFixed(2)}`,
    ].join('\n');
  }

  close(): void {
    this.batched.close();
  }

  private obsOf(id: string): Float32Array {
    const { role, index } = this.slot.get(id)!;
    const b = this.batched.roleBuffers(role);
    const D = b.spec.obsDim;
    return b.obs.slice(index * D, (index + 1) * D);
  }

  private isEjected(role: Role, index: number): boolean {
    const sim = this.batched.sim;
    return (role === 'operator' ? sim.opActive[index] : sim.cpActive[index]) === 0;
  }

  private unknownAgent(id: string): string {
    return `unknown agent ${describe(id)}: agents are ${this.possibleAgents[0]} ... ${this.possibleAgents[this.possibleAgents.length - 1]} (see env.possibleAgents).`;
  }
}
