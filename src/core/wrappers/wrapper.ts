import type { Env, EnvMetadata, Info, ResetOptions, StepResult } from '../env.ts';
import type { Space } from '../spaces/space.ts';
import { assertAction, assertSeed } from '../validate.ts';

/**
 * Base of the single-agent wrappers (Gymnasium's `gymnasium.Wrapper`): forwards
 * everything to the wrapped env and adds the checks every wrapper shares, so
 * that bad use fails loudly at the outermost layer:
 * - `reset` rejects a seed that is not a non-negative integer;
 * - `step` throws before the first `reset` and after `close`;
 * - `step` rejects an action of the wrong shape or with NaN entries.
 *
 * Subclasses override `reset` / `step` and call `super`, or override
 * `observationSpace` / `actionSpace` with a field (the same object every call).
 */
export class Wrapper<Obs, Act, WObs = Obs, WAct = Act> implements Env<WObs, WAct> {
  private hasReset = false;
  private isClosed = false;

  constructor(readonly env: Env<Obs, Act>) {
    if (!env || typeof env.reset !== 'function' || typeof env.step !== 'function') {
      throw new TypeError(`${new.target.name}: expected an Env (with reset and step), got ${String(env)}.`);
    }
  }

  get observationSpace(): Space<WObs> {
    return this.env.observationSpace as unknown as Space<WObs>;
  }

  get actionSpace(): Space<WAct> {
    return this.env.actionSpace as unknown as Space<WAct>;
  }

  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  get renderMode(): string | undefined {
    return this.env.renderMode;
  }

  /** The innermost environment. */
  get unwrapped(): Env<unknown, unknown> {
    const inner = this.env as Env<Obs, Act> & { unwrapped?: Env<unknown, unknown> };
    return inner.unwrapped ?? (inner as Env<unknown, unknown>);
  }

  reset(opts?: ResetOptions): { observation: WObs; info: Info } {
    assertSeed(opts?.seed, `${this.constructor.name}.reset()`, true);
    this.assertOpen('reset');
    this.hasReset = true;
    return this.env.reset(opts) as unknown as { observation: WObs; info: Info };
  }

  step(action: WAct): StepResult<WObs> {
    this.assertStepAllowed(action);
    return this.env.step(action as unknown as Act) as unknown as StepResult<WObs>;
  }

  /** The checks of `step`: reset called, not closed, `action` well-formed for `actionSpace`. */
  protected assertStepAllowed(action: unknown): void {
    const name = this.constructor.name;
    this.assertOpen('step');
    if (!this.hasReset) {
      throw new Error(`${name}.step() was called before reset(): call env.reset({ seed }) first.`);
    }
    assertAction(this.actionSpace, action, `${name}.step(action)`);
  }

  private assertOpen(method: string): void {
    if (this.isClosed) {
      throw new Error(
        `${this.constructor.name}.${method}() was called after close(): create a new environment.`,
      );
    }
  }

  render(): string | undefined {
    return this.env.render();
  }

  /** Close the wrapped env; calling it again does nothing. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.env.close();
  }
}
