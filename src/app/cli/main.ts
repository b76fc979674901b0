/**
 * The `copronet` command line.
 *
 * Starting it loads only commander and the commands' registrations (names,
 * options, help): each command loads its implementation, and the wiring
 * below (network env, trainer, dashboard) loads, when it runs. So `--help`
 * and `<command> --help` load no tfjs, ink, react, vega or rxjs
 * (test/cli-lazy.test.ts).
 */
import { Command, CommanderError } from 'commander';
import { registerCheckEnvCommand } from './commands/check-env.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerExperimentCommand } from './commands/experiment.ts';
import { registerExploitCommand } from './commands/exploit.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerTrainCommand } from './commands/train.ts';
import { registerWatchCommand } from './commands/watch.ts';
import { registerWorkerCommand } from './commands/worker.ts';

/** What ties the network env to the trainer, the dashboard and evaluation (loaded on first use). */
const wiring = () => import('./network-wiring.ts');

const program = new Command();

program
  .name('copronet')
  .description('Multi-agent RL environment of an open, decentralized compute network')
  .version('0.1.0')
  .showHelpAfterError();

registerSimulateCommand(program);
registerTrainCommand(program, async () => {
  const { attachMarket, baselineReturns, makeNetworkEnv, splitNetworkOverrides } = await wiring();
  const { loadScenario } = await import('../../../envs/scenarios/index.ts');
  return {
    makeBatchedEnv: (scenario, opts) => makeNetworkEnv(scenario, opts.overrides, opts.seed),
    baselineReturns: (scenario, overrides) =>
      baselineReturns(loadScenario(scenario, splitNetworkOverrides(overrides).scenario)),
    attach: (trainer) => attachMarket(trainer),
    runDashboard: async (trainer, _info, events$) => {
      const { runDashboardInWorker } = await import('../dashboard/index.ts');
      // Drawn by a worker thread: training keeps its own core. Keys reach the dashboard
      // in raw mode, so Ctrl-C there is q (save and quit); a second one quits at once.
      await runDashboardInWorker(
        {
          events$,
          pause: () => trainer.pause(),
          resume: () => trainer.resume(),
          requestSave: () => trainer.requestSave(),
          requestStop: () => trainer.requestStop('quit'),
        },
        { onForceQuit: () => process.exit(130) },
      );
    },
  };
});
registerEvalCommand(program, {
  loadPolicies: async (runDir, _scenario, opts) => (await wiring()).loadLearnedPolicies(runDir, opts),
});
registerWatchCommand(program);
registerExperimentCommand(program, {
  // A run's learned roles; a role it did not train plays paper-heuristic.
  loadPolicies: async (runDir, scenario) => {
    const { policies } = await (await wiring()).loadLearnedPolicies(runDir);
    const { makeBaseline } = await import('../../../envs/network/baselines.ts');
    return {
      operator: policies.operator ?? makeBaseline('paper-heuristic', 'operator', { scenario }),
      coprocessor: policies.coprocessor ?? makeBaseline('paper-heuristic', 'coprocessor', { scenario }),
    };
  },
});
registerExploitCommand(program, async () => {
  const { loadLearnedPolicies } = await wiring();
  const { makeBaseline } = await import('../../../envs/network/baselines.ts');
  const { loadScenario } = await import('../../../envs/scenarios/index.ts');
  const { parseOverrides } = await import('../../sim/scenario.ts');
  return {
    loadPopulation: async (runDir) => {
      const run = await loadLearnedPolicies(runDir);
      const scenario = loadScenario(
        run.scenario,
        run.overrides.length > 0 ? parseOverrides(run.overrides) : undefined,
      );
      // A role the run did not train plays what it trained against (opponent.<role>=<baseline>), else paper-heuristic.
      const fixed = (role: 'operator' | 'coprocessor') => {
        const m = run.opponents
          .map((e) => new RegExp(`^opponent\\.${role}=([a-z-]+)$`).exec(e))
          .find(Boolean);
        return makeBaseline(m ? m[1] : 'paper-heuristic', role, { scenario });
      };
      return {
        policies: {
          operator: run.policies.operator ?? fixed('operator'),
          coprocessor: run.policies.coprocessor ?? fixed('coprocessor'),
        },
        scenario: run.scenario,
        overrides: run.overrides,
        trainedRoles: run.trainedRoles,
        trainSeeds: run.trainSeeds,
      };
    },
  };
});
registerCheckEnvCommand(program);
registerWorkerCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Loaded here, not at start: the scenario schema (zod) is not needed to show help.
  const { ScenarioError } = await import('../../sim/scenario.ts');
  if (err instanceof ScenarioError) {
    console.error(`error: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // Anything else: the message, not a stack trace (COPRONET_DEBUG=1 shows the stack).
  if (process.env.COPRONET_DEBUG) throw err;
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
