/**
 * The package as a user gets it: `npm pack`, install the tarball into a scratch
 * folder, then use it from a plain `.mjs` file, from a strict TypeScript project
 * (NodeNext) and through its `copronet` bin. Needs the build (`npm test` runs
 * `npm run build` first) and the npm registry or npm's cache for the
 * dependencies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/tmux.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
let dir = '';
let app = '';

/** Run a command; a failure throws with its output (tsc prints its errors on stdout). */
function run(cmd: string, args: string[], cwd = app): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

/** The TypeScript example of the README's "The environment" section, verbatim. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The environment'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md: no ```ts block under "## The environment"');
  return m[1];
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'src', 'index.js')))
    throw new Error('no dist/: run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'copronet-pack-'));
  app = join(dir, 'app');
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT);
  run('mkdir', ['-p', app], dir);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  const tarball = join(dir, `${pkg.name}-${pkg.version}.tgz`);
  run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the build, the scenarios, the licence and the model, not the tests or the sources', () => {
    const listing = run('tar', ['tzf', join(dir, `${pkg.name}-${pkg.version}.tgz`)], dir).split('\n');
    expect(listing).toContain('package/LICENSE');
    expect(listing).toContain('package/docs/MODEL.md');
    expect(listing).toContain('package/dist/src/index.d.ts');
    expect(listing).toContain('package/dist/envs/scenarios/paper.json');
    expect(listing).toContain('package/dist/experiments/jobs/thread.js');
    expect(listing).toContain('package/dist/experiments/jobs/processor.js');
    expect(listing).toContain('package/dist/src/app/dashboard/dashboard-worker.js');
    expect(
      listing.filter((f) => /^package\/(test|bench|\.ci|src|envs|agents|experiments)\//.test(f)),
    ).toEqual([]);
    expect(listing.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('imports from a plain .mjs file, every entry point, and runs an episode', () => {
    writeFileSync(
      join(app, 'main.mjs'),
      `import { makeParallel, loadScenario, NetworkSim, checkParallelEnv } from 'copronet';
import { NetworkBatchedEnv, makeBaselineSet, builtinScenarios } from 'copronet/envs';
import { Trainer, PpoConfigSchema } from 'copronet/agents';
import { EXPERIMENT_NAMES, evaluate } from 'copronet/experiments';
const env = makeParallel('CoprocessorNetwork-v0', { scenario: 'tiny', slashing: { factor: 2 } });
let { observations } = env.reset({ seed: 42 });
let steps = 0;
while (env.agents.length > 0) {
  const actions = Object.fromEntries(env.agents.map((a) => [a, env.actionSpace(a).sample()]));
  ({ observations } = env.step(actions));
  steps++;
}
env.close();
const report = checkParallelEnv((o) => makeParallel('CoprocessorNetwork-v0', { scenario: 'tiny', ...o }));
console.log(JSON.stringify({
  steps,
  periods: loadScenario('tiny').periods,
  builtins: builtinScenarios(),
  kinds: [typeof NetworkSim, typeof NetworkBatchedEnv, typeof makeBaselineSet, typeof Trainer, typeof evaluate],
  lr: PpoConfigSchema.parse({}).learningRate,
  experiments: EXPERIMENT_NAMES.length,
  checks: report.passed.length,
}));
`,
    );
    const out = JSON.parse(run('node', ['main.mjs']));
    expect(out.steps).toBeGreaterThan(0); // random actions may empty the network before the last period
    expect(out.steps).toBeLessThanOrEqual(out.periods);
    expect(out.builtins).toEqual(['auction-lab', 'paper', 'quick', 'tiny']);
    expect(out.kinds).toEqual(['function', 'function', 'function', 'function', 'function']);
    expect(out.lr).toBe(2.5e-4);
    expect(out.experiments).toBeGreaterThan(5);
    expect(out.checks).toBeGreaterThan(10);
  }, 60_000);

  it("compiles the README's example in a strict NodeNext TypeScript project, types resolved, and runs it", () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noImplicitAny: true,
          // as `tsc --init` sets it: tfjs's own declarations do not pass a lib check
          skipLibCheck: true,
          types: [],
          outDir: 'out',
        },
        files: ['example.ts', 'typed.ts'],
      }),
    );
    writeFileSync(join(app, 'example.ts'), `${readmeExample()}\nconsole.log('episode done');\n`);
    // A wrong type must be an error: proves the declarations are read, not skipped as `any`.
    writeFileSync(
      join(app, 'typed.ts'),
      `import { loadScenario, type Scenario } from 'copronet';
import { type PpoConfig, PpoConfigSchema } from 'copronet/agents';
const s: Scenario = loadScenario('tiny');
const c: PpoConfig = PpoConfigSchema.parse({});
export const periods: number = s.periods + c.numSteps;
`,
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    run('node', [tsc, '-p', '.']);
    expect(run('node', ['out/example.js'])).toContain('episode done');
    writeFileSync(
      join(app, 'typed.ts'),
      `import { loadScenario } from 'copronet';\nexport const x: string = loadScenario('tiny').periods;\n`,
    );
    expect(() => run('node', [tsc, '-p', '.'])).toThrow(
      /typed\.ts.*TS2322: Type 'number' is not assignable to type 'string'/,
    );
  }, 120_000);

  it('runs the copronet bin from the compiled JavaScript, tsx not needed', () => {
    const bin = join(app, 'node_modules', '.bin', 'copronet');
    expect(run(bin, ['--help'])).toMatch(/Usage: copronet/);
    const summary = JSON.parse(run(bin, ['simulate', '--scenario', 'tiny', '--seed', '3', '--json']));
    expect(summary.scenario).toBe('tiny');
    expect(summary.tasks).toBeGreaterThan(0);
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
  }, 60_000);

  it("runs an experiment on the worker pool from the compiled JavaScript (the workers' entry is in dist)", () => {
    const bin = join(app, 'node_modules', '.bin', 'copronet');
    const out = join(dir, 'rep');
    const log = run(bin, [
      'experiment',
      'reputation',
      '--scale',
      'quick',
      '--seeds',
      '2',
      '--workers',
      '2',
      '--out',
      out,
    ]);
    expect(log).toMatch(/reputation: 2 cells computed, 0 reused/);
    expect(readdirSync(join(out, 'cells'))).toHaveLength(2);
    expect(readFileSync(join(out, 'REPORT.md'), 'utf8')).toMatch(/Spearman/);
  }, 60_000);
});
