import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BASELINES as BASELINE_NAMES } from '../envs/network/baseline-names.ts';
import { BASELINES } from '../envs/network/baselines.ts';
import { EXPERIMENT_CATALOG, EXPERIMENT_NAMES as CATALOG_NAMES } from '../experiments/catalog.ts';
import { EXPERIMENT_NAMES, EXPERIMENTS } from '../experiments/index.ts';
import { REFERENCE_MECHANISM } from '../experiments/mechanisms.ts';
import { MECHANISMS } from '../src/sim/scenario.ts';

const root = join(import.meta.dirname, '..');
const rootUrl = `${pathToFileURL(root).href}/`;

/** Packages that `--help` must not load: each costs 0.1-0.5 s of start-up. */
const HEAVY = [
  '@tensorflow/tfjs',
  'ink',
  'react',
  'react-reconciler',
  'vega',
  'vega-lite',
  'rxjs',
  'zod',
  'bullmq',
  'ioredis',
];

/** Project folders that `--help` must not load: the trainer, the dashboard. */
const HEAVY_DIRS = ['agents/', 'src/app/dashboard/'];

/** The package a resolved URL belongs to, if it is in node_modules. */
function packageOf(url: string): string | undefined {
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return m?.[1];
}

/** Run the CLI from source (tsx) and return the URLs of every module it resolved. */
function loadsOf(args: string[]): { status: number | null; stdout: string; urls: string[] } {
  const file = join(mkdtempSync(join(tmpdir(), 'cli-lazy-')), 'loads.txt');
  const r = spawnSync(
    process.execPath,
    ['--import', './test/fixtures/record-loads.mjs', 'bin/run-ts.mjs', 'src/app/cli/main.ts', ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, RECORD_LOADS_FILE: file } },
  );
  const urls = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return { status: r.status, stdout: r.stdout, urls };
}

describe('copronet --help loads no heavy module', () => {
  it.each([
    [''],
    ['simulate'],
    ['train'],
    ['eval'],
    ['watch'],
    ['experiment'],
    ['check-env'],
    ['exploit'],
    ['worker'],
  ])('copronet %s --help', (cmd) => {
    const { status, stdout, urls } = loadsOf(cmd ? [cmd, '--help'] : ['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: copronet/);
    const packages = new Set(urls.map(packageOf).filter((p) => p !== undefined));
    // The recorder sees the packages the CLI imports: commander is one.
    expect(packages).toContain('commander');
    expect(HEAVY.filter((p) => packages.has(p))).toEqual([]);
    const project = urls
      .filter((u) => u.startsWith(rootUrl) && packageOf(u) === undefined)
      .map((u) => u.slice(rootUrl.length));
    expect(project).toContain('src/app/cli/main.ts');
    expect(project.filter((f) => HEAVY_DIRS.some((d) => f.startsWith(d)))).toEqual([]);
  });
});

describe('the light name modules the CLI help reads', () => {
  it('experiments/catalog.ts lists EXPERIMENTS in their order, and its text stays true', () => {
    expect(EXPERIMENT_CATALOG).toEqual(
      EXPERIMENTS.map(({ name, figures, summary }) => ({ name, figures, summary })),
    );
    expect(EXPERIMENT_NAMES).toBe(CATALOG_NAMES);
    // The one summary with numbers in it: the mechanism count and the reference.
    const mechanisms = EXPERIMENT_CATALOG.find((e) => e.name === 'mechanisms');
    expect(mechanisms?.summary).toContain(`all ${MECHANISMS.length} auction mechanisms`);
    expect(mechanisms?.summary).toContain(`paired against ${REFERENCE_MECHANISM}`);
  });

  it('envs/network/baselines.ts re-exports the names of envs/network/baseline-names.ts', () => {
    expect(BASELINES).toBe(BASELINE_NAMES);
  });
});
