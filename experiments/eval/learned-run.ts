/**
 * A training run's learned policies, loaded back from its latest checkpoint
 * as simulator policies (read only: no lock, nothing written), for
 * `copronet eval`, `simulate`, the experiments and `eval` jobs.
 */
import { type BackendName, initBackend } from '../../agents/tf/backend.ts';
import { RunDir } from '../../agents/trainer/run-dir.ts';
import { resume } from '../../agents/trainer/trainer.ts';
import { makeNetworkEnv } from '../../envs/network/make-env.ts';
import type { PolicySet, Role } from '../../src/sim/policy.ts';
import { trainedPolicy } from '../lib/learned.ts';

/**
 * Load the policies of a training run on a network scenario (its latest
 * checkpoint) as simulator policies, for `eval`, `simulate` and the experiments.
 */
export async function loadLearnedPolicies(
  runDir: string,
  opts: { deterministic?: boolean; seed?: number; backend?: BackendName } = {},
): Promise<{
  policies: Partial<PolicySet>;
  scenario: string;
  overrides: string[];
  opponents: string[];
  trainedRoles: Role[];
  trainSeeds: number[];
}> {
  const dir = RunDir.open(runDir);
  // The fastest backend there is (and tfjs in production mode), or the one an eval job names; the run records
  // the one it trained on.
  await initBackend(opts.backend ?? 'auto');
  const cli = dir.readJson<{ env: string; kind: string; overrides: string[] }>('cli.json');
  if (cli.kind !== 'batched') {
    throw new Error(
      `${runDir} trained on ${cli.env}, not on a network scenario: only network runs can be evaluated here.`,
    );
  }
  const config = dir.readJson<{ seed: number }>('config.json');
  const env = makeNetworkEnv(cli.env, cli.overrides, config.seed);
  // Read only: no lock, nothing written, so a run can be evaluated while it trains.
  const trainer = await resume(runDir, env, { readOnly: true });
  for (const w of trainer.warnings) process.stderr.write(`warning: ${w}\n`);
  const policies: Partial<PolicySet> = {};
  const trainedRoles = env.learnerRoles;
  for (const role of trainedRoles) {
    policies[role] = trainedPolicy(trainer, role, { deterministic: opts.deterministic, seed: opts.seed });
  }
  // The scenario part of the run's --set (opponent.* entries say who played, not what the model is).
  const overrides = cli.overrides.filter((e) => !e.startsWith('opponent.'));
  const opponents = cli.overrides.filter((e) => e.startsWith('opponent.'));
  return { policies, scenario: cli.env, overrides, opponents, trainedRoles, trainSeeds: [config.seed] };
}
