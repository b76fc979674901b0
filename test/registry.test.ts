import { afterEach, describe, expect, it } from 'vitest';
import {
  make,
  makeEnv,
  makeParallel,
  parseEnvId,
  register,
  registry,
  spec,
  unregister,
} from '../src/core/registry.ts';
import { TimeLimit } from '../src/core/wrappers/time-limit.ts';
import { TagParallelEnv } from './fixtures/tag-parallel-env.ts';
import { WalkEnv } from './fixtures/walk-env.ts';

const ids = ['Walk-v0', 'Walk-v1', 'Tag-v0', 'ns/Thing-v2'];
afterEach(() => {
  for (const id of ids) unregister(id);
});

function setup(): void {
  register('Walk-v0', (kw) => new WalkEnv(kw), { kind: 'env' });
  register('Walk-v1', (kw) => new WalkEnv(kw), { kind: 'env', maxEpisodeSteps: 7, kwargs: { horizon: 100 } });
  register('Tag-v0', (kw) => new TagParallelEnv(kw), { kind: 'parallel' });
}

describe('registry', () => {
  it('parses ids like Gymnasium', () => {
    expect(parseEnvId('CartPole-v1')).toEqual({ namespace: undefined, name: 'CartPole', version: 1 });
    expect(parseEnvId('ns/Thing-v12')).toEqual({ namespace: 'ns', name: 'Thing', version: 12 });
    expect(parseEnvId('Bandit')).toEqual({ namespace: undefined, name: 'Bandit', version: undefined });
    expect(() => parseEnvId('bad id!')).toThrow(/Malformed/);
  });

  it('make applies TimeLimit when maxEpisodeSteps is set, merging kwargs', () => {
    setup();
    expect([...registry.keys()]).toEqual(expect.arrayContaining(['Walk-v0', 'Walk-v1', 'Tag-v0']));
    expect(make('Walk-v0')).toBeInstanceOf(WalkEnv);
    const env = makeEnv('Walk-v1');
    expect(env).toBeInstanceOf(TimeLimit);
    env.reset({ seed: 0 });
    let steps = 0;
    let r: { terminated: boolean; truncated: boolean };
    do {
      r = env.step(steps % 2); // alternating actions cannot reach |x| = 5 in 7 steps
      steps++;
    } while (!r.terminated && !r.truncated);
    expect(r).toMatchObject({ terminated: false, truncated: true });
    expect(steps).toBe(7);
    expect(
      (makeEnv('Walk-v1', {}, { maxEpisodeSteps: 2 }) as TimeLimit<unknown, unknown>).maxEpisodeSteps,
    ).toBe(2);
    expect(makeParallel('Tag-v0', { numAgents: 2 }).possibleAgents).toEqual(['agent_0', 'agent_1']);
    expect(() => makeEnv('Tag-v0')).toThrow(/use makeParallel/);
    expect(() => makeParallel('Walk-v0')).toThrow(/use makeEnv/);
  });

  it('explains unknown ids: versions, closest name, known ids', () => {
    setup();
    expect(() => spec('Walk-v5')).toThrow(/v5 for 'Walk' does not exist: it provides 'Walk-v0', 'Walk-v1'/);
    expect(() => spec('Walk')).toThrow(/needs a version.*Use 'Walk-v1'/);
    expect(() => spec('Wlak-v1')).toThrow(/Did you mean 'Walk-v1'\?/);
    expect(() => spec('Zebra-v0')).toThrow(/Registered: Tag-v0, Walk-v0, Walk-v1\./);
    expect(() => spec('Zebra-v0')).not.toThrow(/Did you mean/);
  });

  it('validates registrations', () => {
    // biome-ignore lint/suspicious/noExplicitAny: on purpose
    expect(() => register('ns/Thing-v2', 3 as any)).toThrow(/entryPoint must be a function/);
    expect(() => register('ns/Thing-v2', () => new WalkEnv(), { maxEpisodeSteps: 0 })).toThrow(
      /positive integer/,
    );
  });
});
