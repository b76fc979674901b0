/**
 * The environment contract: Gymnasium's `Env` (single agent) and PettingZoo's
 * `ParallelEnv` (many agents acting at once), as TypeScript types.
 *
 * Semantics follow gymnasium/core.py and pettingzoo/utils/env.py:
 * - `reset({seed, options})` must be called before the first `step`; a seed
 *   reseeds the environment's generator, no seed continues the current stream.
 * - `step` returns `terminated` (the MDP reached a terminal state) separately
 *   from `truncated` (a time limit or other outside cut-off).
 * - `close()` may be called any number of times.
 */
import type { Space } from './spaces/space.ts';

export type Info = Record<string, unknown>;

export interface ResetOptions {
  /** Integer seed for the environment's generator. */
  seed?: number;
  options?: Record<string, unknown>;
}

export interface EnvMetadata {
  /** Render modes `render()` supports, e.g. `['ansi']`. */
  renderModes: readonly string[];
  /** Frames per second for human rendering, when relevant. */
  renderFps?: number;
  /** For vector envs: `'next-step'` (Gymnasium's default autoreset mode). */
  autoresetMode?: 'next-step' | 'same-step' | 'disabled';
  [key: string]: unknown;
}

export interface StepResult<Obs> {
  observation: Obs;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

/** A single-agent environment with Gymnasium semantics. */
export interface Env<Obs, Act> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  readonly metadata: EnvMetadata;
  /** The render mode chosen at construction, or undefined. */
  readonly renderMode?: string;
  reset(opts?: ResetOptions): { observation: Obs; info: Info };
  step(action: Act): StepResult<Obs>;
  /** With `renderMode: 'ansi'`, a text picture of the current state. */
  render(): string | undefined;
  close(): void;
}

export interface ParallelStepResult<AgentId extends string, Obs> {
  observations: Record<AgentId, Obs>;
  rewards: Record<AgentId, number>;
  terminations: Record<AgentId, boolean>;
  truncations: Record<AgentId, boolean>;
  infos: Record<AgentId, Info>;
}

/**
 * A multi-agent environment with PettingZoo's parallel semantics: every live
 * agent acts each step. `possibleAgents` never changes; `agents` holds the live
 * ones. An agent that terminates or truncates appears in the step's records once,
 * with its flag set, and never again; the episode is over when `agents` is empty.
 */
export interface ParallelEnv<AgentId extends string, Obs, Act> {
  readonly possibleAgents: readonly AgentId[];
  readonly agents: readonly AgentId[];
  readonly metadata: EnvMetadata;
  /** The same object on every call for a given agent. */
  observationSpace(agent: AgentId): Space<Obs>;
  /** The same object on every call for a given agent. */
  actionSpace(agent: AgentId): Space<Act>;
  reset(opts?: ResetOptions): { observations: Record<AgentId, Obs>; infos: Record<AgentId, Info> };
  step(actions: Partial<Record<AgentId, Act>>): ParallelStepResult<AgentId, Obs>;
  /** A global view of the environment (for centralised critics). */
  state(): Float32Array;
  /** The space `state()` lies in (PettingZoo's `state_space`), when the env declares one. */
  readonly stateSpace?: Space<Float32Array>;
  render(): string | undefined;
  close(): void;
}
