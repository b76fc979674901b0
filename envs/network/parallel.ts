/**
 * `CoprocessorNetwork-v0`: the network as a PettingZoo-style parallel
 * environment. Agents `operator_<i>` and `coprocessor_<k>` act every period;
 * an ejected agent appears once with `terminations[agent] = true` and then
 * leaves every record; the episode is over when `agents` is empty.
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

export interface CoprocessorNetworkOptions {
  /** Built-in scenario name, path to a scenario file, or a parsed scenario. @default 'quick' */
  scenario?: string | Scenario;
  /** Deep-partial scenario overrides, e.g. `{slashing: {factor: 2}}`. @default {} */
  overrides?: Record<string, unknown>;
  /** Fixed policies for roles that are not agents of this environment. @default {} */
  opponents?: Partial<Record<Role, Policy>>;
  /** `'ansi'` to make `render()` return a text summary. @default undefined */
  renderMode?: 'ansi';
}

const RESERVED = new Set(['scenario', 'overrides', 'opponents', 'renderMode']);

/** Split `make()` keyword arguments: reserved keys are options, any other key is a scenario override. */
export function networkOptionsFromKwargs(kwargs: Record<string, unknown>): CoprocessorNetworkOptions {
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
  /** The batched, role-grouped view this environment is built on. */
  readonly batched: NetworkBatchedEnv;
  readonly possibleAgents: readonly string[];
  private live: string[] = [];
  private readonly slot = new Map<string, { role: Role; index: number }>();
  private readonly obsSpaces = new Map<string, Box>();
  private readonly actSpaces = new Map<string, Box>();
  private started = false;

  constructor(options: CoprocessorNetworkOptions = {}) {
    this.scenario = resolveScenario(options);
    this.renderMode = options.renderMode;
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
        agents.push(id);
        this.slot.set(id, { role, index: i });
        this.obsSpaces.set(id, obsSpace);
        this.actSpaces.set(id, actSpace);
      }
    }
    this.possibleAgents = Object.freeze(agents);
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
      const { role, index } = this.slot.get(id)!;
      const out = batchActions[role];
      const dim = out.length / this.batched.roleBuffers(role).spec.count;
      for (let q = 0; q < dim; q++) out[index * dim + q] = a![q];
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
      const { role, index } = this.slot.get(id)!;
      const t = tr[role];
      result.observations[id] = this.obsOf(id);
      result.rewards[id] = t.rewards[index];
      result.terminations[id] = t.terminated[index] === 1;
      result.truncations[id] = t.truncated[index] === 1;
      result.infos[id] = t.terminated[index] ? { period, ejected: this.isEjected(role, index) } : { period };
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
