import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { BASELINES, makeBaseline } from '../envs/network/baselines.ts';
import type { Scenario } from '../src/sim/scenario.ts';
import { type LoadedPolicies, registerEvalCommand } from '../src/app/cli/commands/eval.ts';

interface Harness {
  run(...args: string[]): Promise<unknown>;
  out: string[];
  err: string[];
  loads: { runDir: string; scenario: string; deterministic: boolean }[];
}

function harness(load?: (scenario: Scenario) => LoadedPolicies): Harness {
  const out: string[] = [];
  const err: string[] = [];
  const loads: Harness['loads'] = [];
  const program = new Command();
  program.exitOverride().configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
  registerEvalCommand(program, {
    async loadPolicies(runDir, scenario, opts) {
      loads.push({ runDir, scenario: scenario.name, deterministic: opts.deterministic });
      if (!load) throw new Error('no loader in this test');
      return load(scenario);
    },
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
  });
  return { run: (...args) => program.parseAsync(['node', 'copronet', 'eval', ...args]), out, err, loads };
}

function fakeRun(opts: { checkpoint?: boolean; scenario?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'eval-run-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ runName: 'x', scenario: opts.scenario ?? 'tiny' }));
  if (opts.checkpoint ?? true) {
    mkdirSync(join(dir, 'checkpoints', 'latest'), { recursive: true });
  }
  return dir;
}

describe('copronet eval: errors', () => {
  it('asks for a run directory or --baselines-only', async () => {
    await expect(harness().run('--seeds', '2')).rejects.toThrow(/no run directory.*--baselines-only/);
  });

  it('says when the run directory is missing', async () => {
    await expect(harness().run(join(tmpdir(), 'no-such-run-dir-eval'))).rejects.toThrow(/does not exist/);
  });

  it('says when the run has no checkpoint', async () => {
    const h = harness();
    await expect(h.run(fakeRun({ checkpoint: false }), '--quiet')).rejects.toThrow(/no checkpoint/);
    expect(h.loads).toEqual([]);
  });

  it('rejects a bad --seeds', async () => {
    for (const bad of ['0', '-3', 'abc', '2.5']) {
      const h = harness();
      const p = h.run('--baselines-only', '--seeds', bad);
      await expect(p).rejects.toBeInstanceOf(CommanderError);
      expect(h.err.join('')).toMatch(/--seeds must be a positive integer/);
    }
  });

  it('rejects --other learned without learned policies for both roles', async () => {
    const h = harness((scenario) => ({
      policies: { operator: makeBaseline('greedy', 'operator', { scenario }) },
      scenario: 'tiny',
      trainedRoles: ['operator'],
      trainSeeds: [1],
    }));
    await expect(h.run(fakeRun(), '--seeds', '1', '--other', 'learned', '--quiet')).rejects.toThrow(
      /learned coprocessor/,
    );
    await expect(h.run('--baselines-only', '--other', 'learned')).rejects.toThrow(
      /--other learned needs a run/,
    );
    await expect(harness().run('--baselines-only', '--other', 'nobody')).rejects.toBeInstanceOf(
      CommanderError,
    );
  });
});

describe('copronet eval: runs', () => {
  it('--baselines-only prints the baseline tables and writes files only with --out', async () => {
    const h = harness();
    const out = mkdtempSync(join(tmpdir(), 'eval-out-'));
    await h.run('--baselines-only', '--scenario', 'tiny', '--seeds', '2', '--reps', '100', '--out', out);
    const md = h.out.join('');
    expect(md).toContain('## Operators');
    expect(md).toContain('| cost-plus |');
    expect(md).toContain('learned: none (baselines only)');
    expect(readFileSync(join(out, 'eval.md'), 'utf8')).toBe(md);
    // Progress over 2 roles x every baseline x 2 seeds.
    expect(h.err.join('')).toMatch(new RegExp(`eval \\d+/${2 * BASELINES.length * 2} `));
  });

  it('evaluates a run: scenario from run.json, held-out seeds skip training seeds, report in <run>/eval', async () => {
    const h = harness((scenario) => ({
      policies: { operator: makeBaseline('greedy', 'operator', { scenario }) },
      scenario: 'tiny',
      trainedRoles: ['operator'],
      trainSeeds: [10_000],
    }));
    const dir = fakeRun();
    await h.run(dir, '--seeds', '2', '--reps', '100', '--quiet', '--stochastic');
    expect(h.loads).toEqual([{ runDir: dir, scenario: 'tiny', deterministic: false }]);
    expect(h.err.join('')).toMatch(/skipped evaluation seeds that training used: 10000/);
    const md = readFileSync(join(dir, 'eval', 'eval.md'), 'utf8');
    expect(md).toContain('held-out seeds (2): 10001, 10002');
    expect(md).toContain('## Mixed market, operators');
    expect(md).toContain('stochastic');
    expect(existsSync(join(dir, 'eval', 'eval.json'))).toBe(true);
  });
});

describe('copronet eval: the model the run trained on', () => {
  const loader = (overrides: string[]) => (scenario: Scenario) => ({
    policies: { operator: makeBaseline('greedy', 'operator', { scenario }) },
    scenario: 'tiny',
    overrides,
    opponents: ['opponent.coprocessor=cost-plus,greedy@0.5'],
    trainedRoles: ['operator'] as ('operator' | 'coprocessor')[],
    trainSeeds: [1],
  });
  const copRow = (json: string, population: string) => {
    const res = JSON.parse(json) as {
      tables: {
        role: string;
        rows: { population: string; metrics: { profitPerAgent: { mean: number } } }[];
      }[];
    };
    const table = res.tables.find((t) => t.role === 'coprocessor')!;
    return table.rows.find((r) => r.population === population)!.metrics.profitPerAgent.mean;
  };
  const args = ['--seeds', '2', '--reps', '50', '--quiet', '--json'];

  it("applies the run's scenario overrides by default, and reports them", async () => {
    const dir = fakeRun();
    const h = harness(loader(['auction.mechanism=reverse-dutch']));
    await h.run(dir, ...args);
    const withRun = h.out.join('');
    expect(withRun).toContain('scenario overrides from the run: auction.mechanism=reverse-dutch');
    expect(withRun).toContain('trained against: opponent.coprocessor=cost-plus,greedy@0.5');
    expect(h.err.join('')).not.toMatch(/model other than/);

    // The same numbers as the baselines evaluated on the overridden scenario directly...
    const b = harness();
    await b.run(
      '--baselines-only',
      '--scenario',
      'tiny',
      '--set',
      'auction.mechanism=reverse-dutch',
      ...args,
    );
    expect(copRow(withRun, 'cost-plus')).toBe(copRow(b.out.join(''), 'cost-plus'));
    // ...and not those of the scenario without them.
    const plain = harness();
    await plain.run('--baselines-only', '--scenario', 'tiny', ...args);
    expect(copRow(withRun, 'cost-plus')).not.toBe(copRow(plain.out.join(''), 'cost-plus'));
  });

  it('warns and notes which fields differ when --scenario or --set changes the model', async () => {
    const h = harness(loader(['auction.mechanism=reverse-dutch']));
    await h.run(fakeRun(), '--scenario', 'tiny', '--set', 'slashing.factor=2', ...args);
    const warning = h.err.join('');
    expect(warning).toMatch(/model other than the run trained on/);
    expect(warning).toContain('auction.mechanism: "reverse-dutch" -> "scoring-dutch"');
    expect(warning).toMatch(/slashing\.factor: \d+(\.\d+)? -> 2/);
    expect(h.out.join('')).toContain('scenario overrides (--set): slashing.factor=2');
  });

  it('names a bad --set field', async () => {
    const h = harness(loader([]));
    await expect(h.run(fakeRun(), '--set', 'slashing.factr=2', ...args)).rejects.toThrow(/slashing/);
  });
});
