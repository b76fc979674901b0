/**
 * `copronet check-env <id>`: run a registered environment through the checker.
 *
 * The environments and the checker load when the command runs, not when it
 * is registered, so `--help` stays fast.
 */
import type { Command } from 'commander';
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
      await import('../../../../envs/network/index.ts');
      const { checkEnv, checkParallelEnv, EnvCheckError } = await import('../../../core/checker/index.ts');
      const { make, registry, spec } = await import('../../../core/registry.ts');
      const { parseOverrides } = await import('../../../sim/scenario.ts');
      if (opts.list) {
        for (const [name, s] of registry) console.log(`${name}  (${s.kind})`);
        return;
      }
      const kwargs = opts.set ? parseOverrides(opts.set) : {};
      const s = spec(id);
      try {
        const report =
          s.kind === 'parallel'
            ? checkParallelEnv((o) => make(id, { ...kwargs, ...o }) as AnyParallelEnv)
            : checkEnv((o) => make(id, { ...kwargs, ...o }) as AnySingleEnv);
        const passed = [...new Set(report.passed)];
        console.log(`${id}: passed ${passed.length} checks (${passed.join(', ')})`);
        // One line per distinct warning: agents of a role share their spaces.
        const warnings = new Set(report.warnings.map((w) => w.replace(/\(([a-z]+)_\d+\)/g, '($1_*)')));
        for (const w of warnings) console.log(`warning: ${w}`);
      } catch (err) {
        if (err instanceof EnvCheckError) {
          console.error(`${id}: FAILED ${err.message}`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}
