import { describe, expect, it } from 'vitest';
import { CartPoleEnv, ContinuousBandit } from '../envs/classic/index.ts';
import { makeBaseline } from '../envs/network/baselines.ts';
import { NetworkBatchedEnv } from '../envs/network/index.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { checkBatchedEnv } from '../src/core/checker/index.ts';
import { BatchedFromVector } from '../src/core/vector.ts';
import { type RelayDefect, RelayBatchedEnv } from './fixtures/relay-batched-env.ts';
import { ejectingBandit } from './helpers/bandit.ts';
import { failure } from './helpers/checks.ts';

/** Every check of checkBatchedEnv, in the order it runs them. */
const ALL = [
  'env-structure',
  'roles-valid',
  'reset-return',
  'step-return',
  'inactive-reward',
  'final-obs',
  'state',
  'reset-seed',
  'determinism',
  'seed-sensitivity',
  'actions-clipped',
  'close',
];

describe('checkBatchedEnv on the real batched envs', () => {
  it('passes NetworkBatchedEnv (tiny scenario) with every check', () => {
    const scenario = loadScenario('tiny');
    const report = checkBatchedEnv(() => new NetworkBatchedEnv(scenario));
    expect(report).toEqual({ passed: ALL, warnings: [] });
  });

  it('passes NetworkBatchedEnv with half of the coprocessors played by a fixed policy (inactive in the learner view)', () => {
    const scenario = loadScenario('tiny');
    const pool = [makeBaseline('paper-heuristic', 'coprocessor', { scenario })];
    const report = checkBatchedEnv(
      () => new NetworkBatchedEnv(scenario, { opponentMix: { coprocessor: { share: 0.5, pool } } }),
    );
    expect(report).toEqual({ passed: ALL, warnings: [] });
  });

  it('passes BatchedFromVector over CartPole (discrete actions: nothing to clip)', () => {
    const report = checkBatchedEnv(
      () => new BatchedFromVector(Array.from({ length: 4 }, () => () => new CartPoleEnv())),
    );
    expect(report).toEqual({ passed: ALL.filter((c) => c !== 'actions-clipped'), warnings: [] });
  });

  it('passes BatchedFromVector over ContinuousBandit and BatchedBandit with ejections (box actions)', () => {
    const bandits = () =>
      new BatchedFromVector(Array.from({ length: 3 }, () => () => new ContinuousBandit({ horizon: 5 })));
    expect(checkBatchedEnv(bandits)).toEqual({ passed: ALL, warnings: [] });
    expect(checkBatchedEnv(ejectingBandit)).toEqual({ passed: ALL, warnings: [] });
  });

  it('fails NetworkBatchedEnv without autoreset: the batched view resets on the same step', () => {
    const scenario = loadScenario('tiny');
    const err = failure(() => checkBatchedEnv(() => new NetworkBatchedEnv(scenario, { autoreset: false })));
    expect(err.check).toBe('step-return');
    expect(err.message).toMatch(/step 20 after reset\(123\) threw on valid actions: .*same-step autoreset/);
  });

  it('given an instance, warns that two instances were not compared', () => {
    const report = checkBatchedEnv(new NetworkBatchedEnv(loadScenario('tiny')));
    expect(report.passed).toEqual(ALL.filter((c) => c !== 'determinism'));
    expect(report.warnings).toEqual([
      'Not able to compare two env instances: pass a factory (() => env) instead of an env.',
    ]);
  });
});

describe('checkBatchedEnv on broken envs', () => {
  it('passes the correct fixture', () => {
    expect(checkBatchedEnv(() => new RelayBatchedEnv())).toEqual({ passed: ALL, warnings: [] });
  });

  const cases: [RelayDefect, string, RegExp][] = [
    ['no-state-method', 'env-structure', /no state\(\) method/],
    ['duplicate-role', 'roles-valid', /two roles are named "mover"/],
    ['low-above-high', 'roles-valid', /bound 1 has low 2 > high 1/],
    [
      'short-obs',
      'reset-return',
      /obs of role "mover" .* must be a Float32Array of 6 entries, got Float32Array\(5\)/,
    ],
    ['nan-reward', 'step-return', /step 1 after reset\(123\) gave slot 0 of role "mover" the reward NaN/],
    ['reward-when-inactive', 'inactive-reward', /was inactive before step \d+ .* but got reward 0\.5/],
    ['nan-final-obs', 'final-obs', /finalObs\[0\] is NaN/],
    ['state-ignores-out', 'state', /state\(out\) .* returned another array than out/],
    ['keeps-state', 'reset-seed', /two rollouts after reset\(123\) on one env/],
    ['counts-instances', 'determinism', /two env instances/],
    ['no-clip', 'actions-clipped', /gave another rollout than the same actions clipped/],
    [
      'throws-out-of-bounds',
      'actions-clipped',
      /threw on box actions outside \[low, high\]: action .* out of \[-1, 1\]/,
    ],
    [
      'sqrt-unclipped',
      'actions-clipped',
      /outside \[low, high\], step \d+ after reset\(123\) gave slot \d of role "mover" the reward NaN/,
    ],
    ['close-throws', 'close', /idempotent/],
  ];
  it.each(cases)('catches %s', (defect, check, message) => {
    const err = failure(() => checkBatchedEnv(() => new RelayBatchedEnv({ defect })));
    expect(err.check).toBe(check);
    expect(err.message).toMatch(message);
  });

  it('warns (only) when the seed is ignored, unless declared deterministic', () => {
    const report = checkBatchedEnv(() => new RelayBatchedEnv({ defect: 'ignores-seed' }));
    expect(report.passed).toEqual(ALL.filter((c) => c !== 'seed-sensitivity'));
    expect(report.warnings.join('\n')).toMatch(/Seeds 123 and 456 gave identical 50-step rollouts/);
    const declared = checkBatchedEnv(() => new RelayBatchedEnv({ defect: 'ignores-seed' }), {
      deterministic: true,
    });
    expect(declared.warnings).toEqual([]);
  });

  it('warns that finalObs was not checked when no episode ends within numSteps', () => {
    const report = checkBatchedEnv(() => new RelayBatchedEnv({ horizon: 100, ejectProb: 0 }), {
      numSteps: 10,
    });
    expect(report.passed).not.toContain('final-obs');
    expect(report.warnings.join('\n')).toMatch(/finalObs was not checked/);
  });
});
