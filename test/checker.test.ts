import { describe, expect, it } from 'vitest';
import { checkEnv, checkParallelEnv, dataEquivalent, EnvCheckError } from '../src/core/checker/index.ts';
import { Box } from '../src/core/spaces/box.ts';
import { type TagDefect, TagParallelEnv } from './fixtures/tag-parallel-env.ts';
import { type WalkDefect, WalkEnv } from './fixtures/walk-env.ts';

function failure(fn: () => unknown): EnvCheckError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EnvCheckError) return e;
    throw e;
  }
  throw new Error('expected an EnvCheckError, but the check passed');
}

describe('checkEnv', () => {
  it('passes a correct env (factory) and reports the checks', () => {
    const report = checkEnv((o) => new WalkEnv({ renderMode: o?.renderMode }));
    expect(report.passed).toEqual(
      expect.arrayContaining([
        'spaces-stable',
        'step-before-reset',
        'reset-return',
        'reset-seed',
        'step-return',
        'determinism',
        'seed-sensitivity',
        'render',
        'close',
      ]),
    );
  });

  it('passes a correct env instance, warning that other render modes were not tried', () => {
    const report = checkEnv(new WalkEnv());
    expect(report.passed).toContain('determinism');
    expect(report.warnings.join('\n')).toMatch(/render modes/);
  });

  const cases: [WalkDefect, string, RegExp][] = [
    ['obs-out-of-space', 'observation-in-space', /Entry 1 is 42, outside \[-10, 10\]/],
    ['new-spaces', 'spaces-stable', /same objects/],
    ['global-random', 'reset-seed', /Math\.random/],
    ['ignores-seed', 'seed-sensitivity', /ignore opts\.seed/],
    ['keeps-state', 'reset-seed', /reseed/],
    ['no-reset-guard', 'step-before-reset', /did not throw/],
    ['nan-reward', 'reward-finite', /finite number, got NaN/],
    ['numeric-flags', 'done-flags', /terminated .* must be a boolean/],
    ['render-not-string', 'render', /must return a string/],
    ['close-throws', 'close', /idempotent/],
    ['reset-shape', 'reset-return', /\{ observation, info \}/],
  ];
  it.each(cases)('catches %s', (defect, check, message) => {
    const err = failure(() => checkEnv((o) => new WalkEnv({ defect, renderMode: o?.renderMode ?? 'ansi' })));
    expect(err.check).toBe(check);
    expect(err.message).toMatch(message);
  });

  it('catches state shared between instances', () => {
    let shared = 0;
    class Leaky extends WalkEnv {
      override reset(opts = {}) {
        const r = super.reset(opts);
        shared++;
        r.observation[0] = shared > 6 ? 0.25 : r.observation[0];
        return r;
      }
    }
    expect(failure(() => checkEnv(() => new Leaky())).check).toMatch(/determinism|reset-seed/);
  });

  it('accepts identical trajectories for different seeds when declared deterministic', () => {
    const report = checkEnv((o) => new WalkEnv({ defect: 'ignores-seed', renderMode: o?.renderMode }), {
      deterministic: true,
    });
    expect(report.passed).not.toContain('seed-sensitivity');
  });
});

describe('checkParallelEnv', () => {
  it('passes a correct env', () => {
    const report = checkParallelEnv((o) => new TagParallelEnv({ renderMode: o?.renderMode }));
    expect(report.warnings).toEqual([]);
    expect(report.passed).toEqual(
      expect.arrayContaining([
        'record-keys',
        'agents-update',
        'state',
        'determinism',
        'seed-sensitivity',
        'close',
      ]),
    );
  });

  const cases: [TagDefect, RegExp, RegExp][] = [
    ['dead-agent-returns', /record-keys/, /ended at step \d+ but appears again/],
    ['dead-agent-stays', /agents-update/, /still in env\.agents/],
    ['agent-vanishes', /agents-update/, /without terminations\/truncations/],
    ['revive', /agent-revived|agents-update/, /back in env\.agents|still in env\.agents/],
    ['new-spaces', /spaces-stable/, /same object/],
    ['ignores-seed', /seed-sensitivity/, /ignore opts\.seed/],
    ['global-random', /determinism/, /kept state|global/],
    ['state-nan', /state/, /must be finite/],
    ['missing-reward', /record-keys/, /rewards has no entry/],
    ['obs-out-of-space', /observation-in-space/, /outside \[0, 1\]/],
    ['no-reset-guard', /step-before-reset/, /did not throw/],
  ];
  it.each(cases)('catches %s', (defect, check, message) => {
    const err = failure(() =>
      checkParallelEnv((o) => new TagParallelEnv({ defect, renderMode: o?.renderMode })),
    );
    expect(err.check).toMatch(check);
    expect(err.message).toMatch(message);
  });

  it('checks state() against a declared stateSpace (PettingZoo state_space), naming the entry outside it', () => {
    const inside = new Box(0, Number.POSITIVE_INFINITY, [4]);
    expect(
      checkParallelEnv((o) => new TagParallelEnv({ stateSpace: inside, renderMode: o?.renderMode })).passed,
    ).toContain('state');
    const err = failure(() =>
      checkParallelEnv(
        (o) => new TagParallelEnv({ stateSpace: new Box(-1, -0.5, [4]), renderMode: o?.renderMode }),
      ),
    );
    expect(err.check).toBe('state');
    expect(err.message).toMatch(
      /state\(\)\[0\] = [\d.]+ after reset\(\) is outside env\.stateSpace's \[-1, -0\.5\]/,
    );
  });

  it('warns when no episode ends within numCycles', () => {
    const report = checkParallelEnv(
      (o) => new TagParallelEnv({ horizon: 1000, dropout: 0, renderMode: o?.renderMode }),
      {
        numCycles: 10,
      },
    );
    expect(report.warnings.join('\n')).toMatch(/did not end within numCycles = 10/);
  });

  it('catches a factory that ignores renderMode', () => {
    expect(failure(() => checkParallelEnv(() => new TagParallelEnv())).message).toMatch(
      /ignored renderMode "ansi"/,
    );
  });

  it('catches a global random state with an env instance too', () => {
    expect(failure(() => checkParallelEnv(new TagParallelEnv({ defect: 'global-random' }))).check).toBe(
      'determinism',
    );
  });
});

describe('dataEquivalent', () => {
  it('compares typed arrays by type and value, NaN equal to NaN', () => {
    expect(dataEquivalent(new Float32Array([1, Number.NaN]), new Float32Array([1, Number.NaN]))).toBe(true);
    expect(dataEquivalent(new Float32Array([1]), new Float64Array([1]))).toBe(false);
    expect(dataEquivalent({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(dataEquivalent({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});
