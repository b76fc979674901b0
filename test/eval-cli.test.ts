import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { makeBaseline } from '../agents/baselines/index.ts';
import type { Scenario } from '../src/config/scenario.ts';
import { type LoadedPolicies, registerEvalCommand } from '../src/cli/commands/eval.ts';

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
    expect(h.err.join('')).toMatch(/eval \d+\/20 /);
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
