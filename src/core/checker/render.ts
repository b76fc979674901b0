/**
 * The render checks, shared by the single-agent and the parallel checkers:
 * the declared render modes (metadata), the output of `render()` in the env's
 * own mode, and, with a factory, in every declared mode. Ports Gymnasium's
 * `env_render_passive_checker` and the render part of `check_env`.
 */
import { describe } from '../validate.ts';
import { isPlainObject } from './data.ts';
import type { EnvFactory, Recorder } from './report.ts';

/** What the render checks need of an env (single-agent or parallel). */
export interface RenderableEnv {
  readonly metadata: unknown;
  readonly renderMode?: string;
  reset(): unknown;
  render(): unknown;
  close(): void;
}

/**
 * Check `metadata` (and `render` for the env's own mode): `metadata.renderModes`
 * is an array of strings that includes `env.renderMode`, and `renderFps`, when
 * given, is positive. Returns the declared modes. Ports the metadata part of
 * Gymnasium's `env_render_passive_checker`: a mode the metadata does not
 * declare cannot be asked for through `make`.
 */
export function checkRenderModes(
  rec: Recorder,
  env: { metadata: unknown; renderMode?: string },
): readonly string[] {
  const meta = env.metadata as { renderModes?: unknown; renderFps?: unknown } | undefined;
  rec.ensure(
    isPlainObject(meta),
    'metadata',
    () => `env.metadata must be an object like { renderModes: ['ansi'] }, got ${describe(meta)}.`,
  );
  const modes = meta.renderModes;
  rec.ensure(
    Array.isArray(modes) && modes.every((m) => typeof m === 'string'),
    'metadata',
    () => `env.metadata.renderModes must be an array of strings (possibly empty), got ${describe(modes)}.`,
  );
  if (env.renderMode !== undefined) {
    rec.ensure(
      modes.includes(env.renderMode),
      'render',
      () =>
        `env.renderMode is ${JSON.stringify(env.renderMode)} but metadata.renderModes is [${modes}]: declare it there.`,
    );
  }
  if (
    modes.length > 0 &&
    meta.renderFps !== undefined &&
    !(typeof meta.renderFps === 'number' && meta.renderFps > 0)
  ) {
    rec.fail(
      'metadata',
      `env.metadata.renderFps must be a positive number, got ${describe(meta.renderFps)}.`,
    );
  }
  return modes as string[];
}

/**
 * Check `render`: what `render()` returned in `mode` fits the mode (a string
 * for `'ansi'`; `undefined`, else a warning, for `'human'`). Ports Gymnasium's
 * `_check_render_return`, an error here for `'ansi'` since text is all that
 * mode is for.
 */
export function checkRenderOutput(rec: Recorder, mode: string | undefined, out: unknown): void {
  if (mode === 'ansi') {
    rec.ensure(
      typeof out === 'string',
      'render',
      () => `render() with renderMode 'ansi' must return a string, got ${describe(out)}.`,
    );
  } else if (mode === 'human' && out !== undefined) {
    rec.warn(`render() with renderMode 'human' should return undefined, got ${describe(out)}.`);
  }
}

/** The two places where the single-agent and the parallel checkers word the render check differently. */
export interface RenderCheckWording {
  /** Say what env.renderMode was when a factory ignored the mode it was given (checkParallelEnv's message). */
  showIgnoredMode: boolean;
  /** Warn that the other declared modes were not tried when there is no factory (checkEnv's warning). */
  warnUntriedModes: boolean;
}

/**
 * Check `render` (and `metadata`): the declared modes, `render()` after a reset
 * in the env's own mode, and, given a factory, an env built for each declared
 * mode that takes the mode and renders in it. Ports the render block of
 * Gymnasium's `check_env`, which builds one env per declared mode through its spec.
 */
export function checkRender(
  rec: Recorder,
  env: RenderableEnv,
  factory: EnvFactory<RenderableEnv> | undefined,
  wording: RenderCheckWording,
): void {
  const modes = checkRenderModes(rec, env);
  const mode = env.renderMode;
  if (mode !== undefined) {
    env.reset();
    checkRenderOutput(rec, mode, env.render());
  }
  if (factory) {
    for (const m of modes) {
      const e = factory({ renderMode: m });
      const got = e.renderMode;
      rec.ensure(got === m, 'render', () =>
        wording.showIgnoredMode
          ? `the factory ignored renderMode ${JSON.stringify(m)} (env.renderMode is ${describe(got)}).`
          : `the factory ignored renderMode ${JSON.stringify(m)}.`,
      );
      e.reset();
      checkRenderOutput(rec, m, e.render());
      e.close();
    }
  } else if (wording.warnUntriedModes && modes.some((m) => m !== mode)) {
    rec.warn(
      'Not able to test the other declared render modes: pass a factory ((opts) => env) instead of an env.',
    );
  }
  rec.pass('render');
}
