/**
 * Bad input gets a clear error naming the field, the argument or the file (README, Faults: "Bad input"):
 * prototype keys, huge sizes, seeds, a scenario file without a name, unknown envs and keyword arguments,
 * render modes, the state space, and clipped actions.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import '../envs/classic/index.ts';
import { CoprocessorNetworkEnv, NetworkBatchedEnv, STATE_DIM } from '../envs/network/index.ts';
import { builtinScenarioJson, builtinScenarios, loadScenario } from '../envs/scenarios/index.ts';
import { heldOutSeeds } from '../experiments/eval/seeds.ts';
import { parseSeedOption } from '../src/app/cli/options.ts';
import { make } from '../src/core/registry.ts';
import { Box } from '../src/core/spaces/box.ts';
import { deepMerge, parseOverrides, parseScenario, ScenarioError } from '../src/sim/scenario.ts';
import { ROOT } from './helpers/tmux.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/dev.mjs', ...args], { cwd: ROOT, encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'copronet-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

/** The message of what `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error, but nothing was thrown');
}

describe('prototype keys (__proto__, constructor, prototype)', () => {
  const proto = Object.prototype as Record<string, unknown>;
  afterEach(() => {
    // Should the guard fail, do not leave the pollution to the other tests of this process.
    delete proto.polluted;
  });

  it('--set __proto__.polluted=1 is refused naming the key, and Object.prototype stays untouched', () => {
    let err: unknown;
    try {
      parseOverrides(['__proto__.polluted=1']);
    } catch (e) {
      err = e;
    }
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as Error).message).toBe(
      "override '__proto__.polluted=1': '__proto__' is not allowed as a key: it could change the prototype of " +
        'every object (no scenario field has this name)',
    );
    // Later scenarios load as before.
    expect(loadScenario('tiny', parseOverrides(['periods=5'])).periods).toBe(5);
  });

  it('constructor and prototype keys, and a __proto__ inside a JSON value, are refused too', () => {
    expect(thrown(() => parseOverrides(['constructor.prototype.polluted=1']))).toMatch(
      /^override 'constructor\.prototype\.polluted=1': 'constructor' is not allowed as a key/,
    );
    expect(thrown(() => parseOverrides(['operators.prototype=1']))).toMatch(/'prototype' is not allowed/);
    expect(thrown(() => parseOverrides(['operators={"__proto__":{"polluted":1}}']))).toMatch(
      /'__proto__' is not allowed/,
    );
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('deepMerge refuses them, naming the path', () => {
    const b = JSON.parse('{"operators": {"__proto__": {"polluted": 1}}}');
    expect(thrown(() => deepMerge({ operators: { count: 3 } }, b))).toMatch(
      /operators\.__proto__: '__proto__' is not allowed as a key/,
    );
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('a scenario file with one is refused, naming the file and the key', () => {
    const path = file('proto.json', '{"operators": {"__proto__": {"polluted": 1}}}');
    expect(thrown(() => loadScenario(path))).toBe(
      `invalid scenario ${path}:\n  - operators.__proto__: '__proto__' is not allowed as a key: it could change ` +
        'the prototype of every object (no scenario field has this name)',
    );
    expect(thrown(() => loadScenario(file('ctor.json', { constructor: { prototype: {} } })))).toMatch(
      /- constructor: 'constructor' is not allowed as a key/,
    );
  });
});

describe('huge sizes', () => {
  const base = { name: 'x' };
  it.each([
    [{ operators: { count: 1e9 } }, 'operators.count: at most 100000 agents per role'],
    [{ coprocessors: { count: 1e9 } }, 'coprocessors.count: at most 100000 agents per role'],
    [{ demand: { meanTasks: 1e9 } }, 'demand.meanTasks: at most 1000000 tasks per period'],
    [{ periods: 1e12 }, 'periods: at most 1000000 periods'],
    [
      { operators: { count: 100_000 }, coprocessors: { count: 100_000 } },
      'coprocessors.count: operators.count x coprocessors.count = 100000 x 100000 needs a 40.0 GB delegation table',
    ],
    [
      { periods: 1_000_000, demand: { meanTasks: 1_000_000 } },
      'periods: periods x (demand.meanTasks + operators.count + coprocessors.count) = 1000000 x 1000200 = 1e12: ' +
        'one episode would take about 12 days',
    ],
  ])('%j is an error naming the field', (input, message) => {
    expect(thrown(() => parseScenario({ ...base, ...input }))).toContain(`  - ${message}`);
  });

  it('the built-ins stay valid scaled up ten times in every size', () => {
    for (const name of builtinScenarios()) {
      const s = loadScenario(name);
      const big = loadScenario(name, {
        periods: 10 * s.periods,
        operators: { count: 10 * s.operators.count },
        coprocessors: { count: 10 * s.coprocessors.count },
        demand: { meanTasks: 10 * s.demand.meanTasks },
      });
      expect(big.operators.count).toBe(10 * s.operators.count);
    }
  });

  it('--set operators.count=1e9 on the command line: the error, exit 2', () => {
    const r = cli('simulate', '--set', 'operators.count=1e9');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "error: invalid built-in scenario 'paper':\n  - operators.count: at most 100000",
    );
  }, 60_000);
});

describe('seeds: a non-negative safe integer everywhere', () => {
  it.each([-3, 1.5, 1e20, '1'])('scenario seed %j is an error naming the field', (seed) => {
    expect(thrown(() => parseScenario({ name: 'x', seed }))).toContain(
      '  - seed: must be a non-negative integer of at most 9007199254740991 (2^53 - 1)',
    );
  });

  it('a scenario file with seed -3 is refused', () => {
    expect(thrown(() => loadScenario(file('neg.json', { seed: -3 })))).toMatch(
      /- seed: must be a non-negative/,
    );
  });

  it('the option parser takes digits up to 2^53 - 1 and refuses the rest, naming the option', () => {
    const parse = parseSeedOption('--seed');
    expect(parse('0')).toBe(0);
    expect(parse('42')).toBe(42);
    expect(parse(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['-1', '99999999999999999999', '1.5', '', 'abc', '9007199254740992']) {
      expect(() => parse(bad)).toThrow(InvalidArgumentError);
      expect(thrown(() => parse(bad))).toBe(
        `--seed must be a non-negative integer of at most 9007199254740991 (2^53 - 1), got '${bad}'.`,
      );
    }
  });

  it.each(
    [
      ['simulate', '--seed', '-1'],
      ['simulate', '--seed', '99999999999999999999'],
      ['train', '--seed', '-1'],
      ['eval', '--baselines-only', '--seed-start', '-1'],
      ['exploit', '--population', 'cost-plus', '--seed', '-1'],
    ].map((args) => [args.join(' '), args] as const),
  )(
    '%s is refused naming the option',
    (_, args) => {
      const r = cli(...args);
      const opt = args.find((a) => a.startsWith('--seed'))!;
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`${opt} must be a non-negative integer of at most 9007199254740991`);
    },
    60_000,
  );

  it('train --set seed=-1 is refused naming --set seed', () => {
    const r = cli(
      'train',
      '--scenario',
      'tiny',
      '--set',
      'seed=-1',
      '--no-dashboard',
      '--out',
      join(dir, 'run'),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: --set seed=-1: the seed must be a non-negative integer');
  }, 60_000);

  it('evaluation seeds never run past 2^53 - 1 (--seed-start near the top)', () => {
    expect(heldOutSeeds(2, [], Number.MAX_SAFE_INTEGER - 1).seeds).toEqual([
      Number.MAX_SAFE_INTEGER - 1,
      Number.MAX_SAFE_INTEGER,
    ]);
    expect(thrown(() => heldOutSeeds(3, [], Number.MAX_SAFE_INTEGER - 1))).toMatch(
      /^evaluation seed 9007199254740992 \(3 seeds from 9007199254740990\) is not a non-negative integer/,
    );
  });

  it('NetworkBatchedEnv.reset refuses a negative seed, as env.reset does', () => {
    const env = new NetworkBatchedEnv(loadScenario('tiny'));
    expect(thrown(() => env.reset(-1))).toMatch(
      /^NetworkBatchedEnv\.reset\(\): the seed must be a non-negative/,
    );
    env.close();
  });
});

describe('a scenario file lists only what differs', () => {
  it('{} is named after the file; a name in the file, and the built-ins, keep theirs', () => {
    expect(loadScenario(file('my-exp.json', {})).name).toBe('my-exp');
    expect(loadScenario(file('named.json', { name: 'harsh' })).name).toBe('harsh');
    for (const name of builtinScenarios()) {
      expect(loadScenario(name).name).toBe((builtinScenarioJson(name) as { name: string }).name);
    }
  });
});

describe('unknown envs and keyword arguments', () => {
  it('train --env Nope-v0 says unknown env and lists the registered ones', () => {
    const r = cli('train', '--env', 'Nope-v0');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "error: --env Nope-v0: unknown env. No registered environment with id 'Nope-v0'. Registered: CartPole-v1, " +
        'ContinuousBandit-v0, CoprocessorNetwork-v0.',
    );
    expect(r.stderr).not.toContain('unknown scenario');
  }, 60_000);

  it('train --scenario nope lists the built-in scenarios', () => {
    const r = cli('train', '--scenario', 'nope');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown scenario 'nope': not a built-in (auction-lab, paper, quick, tiny)");
  }, 60_000);

  it('make refuses a keyword argument the env does not take, naming it', () => {
    expect(thrown(() => make('CartPole-v1', { foo: 1 }))).toBe(
      "make('CartPole-v1'): unknown keyword argument 'foo'; it takes renderMode, suttonBartoReward.",
    );
    expect(thrown(() => make('CartPole-v1', { render_mode: 'ansi' }))).toMatch(
      /unknown keyword argument 'render_mode' \(did you mean 'renderMode'\?\)/,
    );
    expect(thrown(() => make('ContinuousBandit-v0', { horizn: 3 }))).toMatch(
      /unknown keyword argument 'horizn' \(did you mean 'horizon'\?\)/,
    );
  });

  it('CoprocessorNetwork-v0: an unknown keyword is an unknown scenario field', () => {
    const err = (() => {
      try {
        make('CoprocessorNetwork-v0', { scenario: 'tiny', foo: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as Error).message).toContain('  - foo: unknown field');
  });

  it('check-env CartPole-v1 --set foo=1 is an error, not ignored', () => {
    const r = cli('check-env', 'CartPole-v1', '--set', 'foo=1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: make('CartPole-v1'): unknown keyword argument 'foo'");
    expect(r.stdout).not.toContain('passed');
  }, 60_000);
});

describe('the network env: render modes, state space, clipped actions', () => {
  it("refuses a render mode not in metadata.renderModes, and Gymnasium's render_mode spelling", () => {
    expect(thrown(() => new CoprocessorNetworkEnv({ scenario: 'tiny', renderMode: 'human' as 'ansi' }))).toBe(
      "CoprocessorNetworkEnv: unsupported render mode 'human'; supported: 'ansi' (or none).",
    );
    expect(thrown(() => make('CoprocessorNetwork-v0', { scenario: 'tiny', renderMode: 'human' }))).toMatch(
      /unsupported render mode 'human'/,
    );
    expect(thrown(() => make('CoprocessorNetwork-v0', { scenario: 'tiny', render_mode: 'human' }))).toMatch(
      /unknown keyword argument 'render_mode' \(did you mean 'renderMode'\?\)/,
    );
    const opts = { scenario: 'tiny', render_mode: 'ansi' } as unknown as ConstructorParameters<
      typeof CoprocessorNetworkEnv
    >[0];
    expect(thrown(() => new CoprocessorNetworkEnv(opts))).toMatch(/unknown option 'render_mode'/);
  });

  it('has a stateSpace that state() lies in, episode long', () => {
    const env = new CoprocessorNetworkEnv({ scenario: 'tiny' });
    expect(env.stateSpace).toBeInstanceOf(Box);
    expect(env.stateSpace.shape).toEqual([STATE_DIM]);
    env.reset({ seed: 3 });
    expect(env.stateSpace.contains(env.state())).toBe(true);
    while (env.agents.length > 0) {
      env.step(Object.fromEntries(env.agents.map((a) => [a, env.actionSpace(a).sample()])));
      expect(env.stateSpace.contains(env.state())).toBe(true);
    }
    env.close();
  });

  it('counts the clipped action entries in infos, and a clipped action plays as its clip', () => {
    const run = (wild: boolean) => {
      const env = new CoprocessorNetworkEnv({ scenario: 'tiny' });
      env.reset({ seed: 5 });
      const actions = Object.fromEntries(
        env.agents.map((a) => [a, new Float32Array(env.actionSpace(a).shape[0]).fill(0.5)]),
      );
      actions.operator_0 = wild ? Float32Array.from([1.5, -0.25]) : Float32Array.from([1, 0]);
      const out = env.step(actions);
      env.close();
      return out;
    };
    const wild = run(true);
    const tame = run(false);
    expect(wild.infos.operator_0.clipped_actions).toBe(2);
    expect(tame.infos.operator_0.clipped_actions).toBe(0);
    expect(wild.infos.coprocessor_0.clipped_actions).toBe(0);
    expect(wild.rewards).toEqual(tame.rewards);
    expect(wild.observations).toEqual(tame.observations);
  });
});
