/**
 * The `copronet` command line.
 */
import { Command, CommanderError } from 'commander';
import { ScenarioError } from '../config/scenario.ts';
import { registerCheckEnvCommand } from './commands/check-env.ts';
import { registerExperimentCommand } from './commands/experiment.ts';
import { registerSimulateCommand } from './commands/simulate.ts';

const program = new Command();
program
  .name('copronet')
  .description('Multi-agent RL environment of an open, decentralized compute network')
  .version('0.1.0')
  .showHelpAfterError();

registerSimulateCommand(program);
registerCheckEnvCommand(program);
registerExperimentCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
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
