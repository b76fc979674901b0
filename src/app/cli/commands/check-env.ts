/**
 * `copronet check-env <id>`: run a registered environment through the checker.
 *
 * The environments and the checker load when the command runs, not when it
 * is registered, so `--help` stays fast.
 */
import type { Command } from 'commander';
import type { CheckReport } from '../../../core/checker/index.ts';
import type { AnyParallelEnv, AnySingleEnv } from '../../../core/registry.ts';

export function registerCheckEnvCommand(program: Command): void {
  program
    .command('check-env')
    .description('check an environment against the Gymnasium / PettingZoo contract')
    .argument('[id]', 'registered environment id', 'CoprocessorNetwork-v0')
    .option(
      '--set <key=value...>',
      'keyword arguments for make(), e.g. --set scenario=tiny slashing.factor=2',
    )
    .option('--list', 'list the registered environments')
    .action(async (id: string, opts: { set?: string[]; list?: boolean }) => {
      // Importing the env packages registers their environments.
      await import('../../../../envs/classic/index.ts');
      const { CoprocessorNetworkEnv, NetworkBatchedEnv } = await import('../../../../envs/network/index.ts');
      const { checkBatchedEnv, checkEnv, checkParallelEnv, EnvCheckError } = await import(
        '../../../core/checker/index.ts'
      );
      const { BatchedFromVector } = await import('../../../core/vector.ts');
      const { make, registry, spec } = await import('../../../core/registry.ts');
      const { parseOverrides } = await import('../../../sim/scenario.ts');
      if (opts.list) {
        for (const [name, s] of registry) console.log(`${name}  (${s.kind})`);
        return;
      }
      const kwargs = opts.set ? parseOverrides(opts.set) : {};
      const s = spec(id);
      // Bad keyword arguments (one the env does not take, a scenario field that does not exist) are an
      // error naming them, before any check runs, not a checker failure nor silently ignored.
      make(id, { ...kwargs }).close();
      let where = id;
      try {
        const report =
          s.kind === 'parallel'
            ? checkParallelEnv((o) => make(id, { ...kwargs, ...o }) as AnyParallelEnv)
            : checkEnv((o) => make(id, { ...kwargs, ...o }) as AnySingleEnv);
        print(id, report);
        // The batched, role-grouped view the trainer uses: the network env's own, or N copies of a single-agent env.
        const batched = () => {
          if (s.kind === 'parallel') {
            const env = make(id, { ...kwargs });
            if (!(env instanceof CoprocessorNetworkEnv))
              throw new Error(`${id} has no batched view to check`);
            // The trainer's view: same scenario, same-step autoreset (the record API's own view does not autoreset).
            return new NetworkBatchedEnv(env.batched.scenario);
          }
          return new BatchedFromVector(
            Array.from({ length: 2 }, () => () => make(id, { ...kwargs }) as AnySingleEnv),
            { seed: 1 },
          );
        };
        where = `${id} (batched view)`;
        print(where, checkBatchedEnv(batched));
      } catch (err) {
        if (err instanceof EnvCheckError) {
          console.error(`${where}: FAILED ${err.message}`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}

function print(what: string, report: CheckReport): void {
  const passed = [...new Set(report.passed)];
  console.log(`${what}: passed ${passed.length} checks (${passed.join(', ')})`);
  // One line per distinct warning: agents of a role share their spaces.
  const warnings = new Set(report.warnings.map((w) => w.replace(/\(([a-z]+)_\d+\)/g, '($1_*)')));
  for (const w of warnings) console.log(`warning: ${w}`);
}
