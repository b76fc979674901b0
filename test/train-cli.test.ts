import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('copronet train --no-dashboard', () => {
  it("ends each iteration's line with what the agents chose (markup, shirk, eta, self-executed share, price)", () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-plain-')), 'run');
    const text = execFileSync(
      process.execPath,
      ['bin/dev.mjs', 'train', '--scenario', 'tiny', '--timesteps', '3000', '--no-dashboard', '--out', out],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = text.split('\n').filter((l) => l.startsWith('iter '));
    expect(lines.length).toBeGreaterThan(1);
    // The market snapshots arrive at most every 500 ms: the last line has one.
    expect(lines[lines.length - 1]).toMatch(
      /\| cp markup [+-]?\d\.\d+ shirk \d\.\d+ \| op eta \d\.\d+ self \d+%/,
    );
    // A network scenario starts from the network's PPO hyperparameters, the rest CleanRL's.
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      learningRate: 1e-3,
      entCoef: 0,
      gamma: 0.95,
      clipCoef: 0.2,
      numSteps: 128,
    });
  }, 60_000);

  it('--set takes precedence over the network defaults', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-set-')), 'run');
    const args = ['train', '--scenario', 'tiny', '--timesteps', '1100', '--no-dashboard', '--out', out];
    execFileSync(process.execPath, ['bin/dev.mjs', ...args, '--set', 'entCoef=0.02', 'learningRate=3e-4'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ learningRate: 3e-4, entCoef: 0.02, gamma: 0.95 });
  }, 60_000);
});

/** The CLI from source; never throws: status, stdout and stderr. */
function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/dev.mjs', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('copronet train --resume', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'train-resume-'));
  const base = join(tmp, 'base');
  let first: ReturnType<typeof run>;
  beforeAll(() => {
    // 2,500 samples: 2 whole iterations of 1,024.
    first = run('train', '--scenario', 'tiny', '--timesteps', '2500', '--no-dashboard', '--out', base);
    expect(first.status, first.stderr).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const copy = (name: string) => {
    const dir = join(tmp, name);
    cpSync(base, dir, { recursive: true });
    return dir;
  };

  it('says how many whole iterations the budget gives, at the start and at the end', () => {
    expect(first.stdout).toMatch(
      /^training ppo on tiny: 2 iterations of 1,024 samples = 2,048 samples; 2,500 asked, rounded down to whole iterations; run dir /m,
    );
    expect(first.stdout).toMatch(
      /^done at step 2048 \(2 iterations of 1,024 samples = 2,048 samples; 2,500 asked/m,
    );
  });

  it('refuses the flags a resume cannot take, naming them', () => {
    const r = run(
      'train',
      '--resume',
      base,
      '--scenario',
      'paper',
      '--set',
      'learningRate=1',
      '--seed',
      '9',
      '--algo',
      'reinforce',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `error: --scenario, --seed, --algo and --set learningRate cannot change on --resume: they are fixed by the run ` +
        `(see ${join(base, 'config.json')} and ${join(base, 'cli.json')}); start a new run with --out.`,
    );
    for (const flag of [
      ['--num-envs', '2'],
      ['--out', join(tmp, 'x')],
      ['--set', 'slashing.factor=2'],
    ]) {
      expect(run('train', '--resume', base, ...flag).stderr).toContain(
        `error: ${flag[0] === '--set' ? '--set slashing.factor' : flag[0]} cannot change on --resume: it is fixed by the run`,
      );
    }
  });

  it('a finished run: a budget without another whole iteration says so; a larger one trains on, with --backend and --no-dashboard', () => {
    const dir = copy('extend');
    const same = run('train', '--resume', dir, '--timesteps', '3000', '--no-dashboard');
    expect(same.status).toBe(1);
    expect(same.stderr).toContain(
      `error: nothing to train: --timesteps 3000 gives 2 whole iterations of 1,024 samples, and ${dir} has trained ` +
        'them (2,048 samples = 2 iterations of 1,024). Pass --timesteps 3072 or more to train at least one more.',
    );
    expect(run('train', '--resume', dir, '--no-dashboard').stderr).toContain(
      `error: nothing to train: ${dir} finished its budget (2,048 samples = 2 iterations of 1,024). To train on, pass a larger --timesteps: 3072 or more`,
    );
    const more = run('train', '--resume', dir, '--timesteps', '3072', '--backend', 'cpu', '--no-dashboard');
    expect(more.status, more.stderr).toBe(0);
    expect(more.stdout).toMatch(
      /^resuming ppo on tiny at step 2,048 \(iteration 2\): 1 more iteration, to 3 iterations of 1,024 samples = 3,072 samples; run dir /m,
    );
    expect(more.stdout).toContain(
      'the budget changed from 2,500 to 3,072 samples: the learning rate anneals over the new total of 3 iterations',
    );
    const backend = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).backend;
    if (backend !== 'cpu')
      expect(more.stdout).toContain(
        `warning: this run trained on the ${backend} backend and continues on cpu`,
      );
    expect(more.stdout).toMatch(/^done at step 3072 /m);
    const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.iteration)).toEqual([1, 2, 3]);
    // Annealed over the new total: iteration 3 of 3 at a third of the network's learningRate 1e-3.
    expect(rows[2]['charts/learning_rate/operator']).toBeCloseTo(1e-3 / 3, 9);
  }, 60_000);

  it('a run folder without a checkpoint: --resume starts it over, --out names both ways out', () => {
    const dir = copy('no-checkpoint');
    rmSync(join(dir, 'checkpoints'), { recursive: true, force: true });
    const again = run('train', '--out', dir, '--scenario', 'tiny', '--timesteps', '2500', '--no-dashboard');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(
      `error: ${dir} holds a run that stopped before its first checkpoint: start it over`,
    );
    expect(again.stderr).toContain(`'npx copronet train --resume ${dir}'`);
    expect(again.stderr).toContain('replace it with --overwrite');
    const restart = run('train', '--resume', dir, '--no-dashboard');
    expect(restart.status, restart.stderr).toBe(0);
    expect(restart.stdout).toContain(
      'has no checkpoint yet (it stopped before its first one): starting it over from step 0',
    );
    const strip = (f: string) =>
      readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const r = JSON.parse(l);
          for (const k of Object.keys(r)) if (/sec|SPS/.test(k)) delete r[k];
          return r;
        });
    expect(strip(join(dir, 'metrics.jsonl'))).toEqual(strip(join(base, 'metrics.jsonl')));
  }, 60_000);

  it('a single-agent run resumes, and eval reports its return on held-out seeds against random actions', () => {
    const dir = join(tmp, 'cartpole');
    const args = ['--no-dashboard'];
    expect(run('train', '--env', 'CartPole-v1', '--timesteps', '1024', '--out', dir, ...args).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'cli.json'), 'utf8'))).toMatchObject({
      kind: 'single',
      numEnvs: 4,
    });
    const more = run('train', '--resume', dir, '--timesteps', '1536', ...args);
    expect(more.stderr).toBe('');
    expect(more.status).toBe(0);
    expect(more.stdout).toMatch(
      /^resuming ppo on CartPole-v1 at step 1,024 \(iteration 2\): 1 more iteration/m,
    );
    expect(more.stdout).toMatch(/^done at step 1536 /m);
    const ev = run('eval', dir, '--seeds', '3', '--reps', '100', '--quiet');
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toContain(`# Evaluation of ${dir} on CartPole-v1 (single-agent)`);
    expect(ev.stdout).toMatch(/^\| learned \(deterministic\) \| \d/m);
    expect(ev.stdout).toMatch(/^\| random \| \d/m);
    const report = JSON.parse(readFileSync(join(dir, 'eval', 'eval.json'), 'utf8'));
    expect(report.seeds).toEqual([10000, 10001, 10002]);
    expect(report.policies.map((p: { returns: number[] }) => p.returns.length)).toEqual([3, 3]);
    expect(run('eval', dir, '--scenario', 'tiny').stderr).toContain(
      'a single-agent env: --scenario, --set and --other apply to network runs',
    );
  }, 90_000);
});
