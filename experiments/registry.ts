/**
 * The paper's experiments, reproduced and extended: one experiment per figure
 * family, `sweep-slashing` and `mechanisms` beyond the paper, and `paper` for
 * all of them; `auction-theory` and `strategic` (learning agents) run alone. Each writes CSV data, SVG and PNG figures and a REPORT.md that
 * puts the paper's claim next to what the run measured.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Scenario } from '../src/sim/scenario.ts';
import { writeFileAtomic } from '../src/core/atomic.ts';
import { CsvTable } from '../src/sim/csv.ts';
import type { PolicySet } from '../src/sim/policy.ts';
import { auctionTheoryReport, runAuctionTheory } from './auction-theory.ts';
import { EXPERIMENT_NAMES } from './catalog.ts';
import type { JobBackend } from './jobs/backend.ts';
import { coprocessorLoadExperiment } from './coprocessor-load.ts';
import {
  BASELINE_POPULATION,
  type CellResult,
  type CellSpec,
  cellScenario,
  computeCell,
} from './lib/cells.ts';
import {
  type Experiment,
  type ExperimentContext,
  type Population,
  SCALES,
  type ScaleName,
  type Section,
} from './lib/context.ts';
import { cellId, runCells, stableJson } from './lib/runner.ts';
import { loadCurveExperiment } from './load-curve.ts';
import { mechanismsExperiment } from './mechanisms.ts';
import { reputationExperiment } from './reputation.ts';
import { rewardDistributionExperiment } from './reward-distribution.ts';
import { slashingExperiment } from './slashing.ts';
import { sweepSlashingExperiment } from './sweep-slashing.ts';
import { taskDistributionExperiment } from './task-distribution.ts';
import { taskFlowExperiment } from './task-flow.ts';

export { SCALES, type ScaleName } from './lib/context.ts';

/** Every experiment, in report order. */
export const EXPERIMENTS: readonly Experiment[] = [
  slashingExperiment,
  rewardDistributionExperiment,
  reputationExperiment,
  taskFlowExperiment,
  coprocessorLoadExperiment,
  taskDistributionExperiment,
  loadCurveExperiment,
  sweepSlashingExperiment,
  mechanismsExperiment,
];

/** Experiment names accepted by `runExperiment` (experiments/catalog.ts, which agrees with `EXPERIMENTS`). */
export { EXPERIMENT_NAMES };

/** A bad experiment request; the message says what is wrong and what to do. */
export class ExperimentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentError';
  }
}

/** Loads the learned policies of a training run for a scenario (wired by the CLI to the trainer's checkpoints). */
export type LoadPolicies = (runDir: string, scenario: Scenario) => Promise<PolicySet>;

export interface RunExperimentOptions {
  /** `paper` (the paper's horizon, 5 seeds) or `quick` (300 periods, 2 seeds). @default 'paper' */
  scale?: string;
  /** Seeds per configuration (seeds 1..n); also replaces the sweep's seed count. @default the scale's */
  seeds?: number;
  /** Output folder. @default `results/<name>` */
  out?: string;
  /** Run directory of learned policies to compare side by side with the baseline. @default none */
  policies?: string;
  /** Loads `policies`; required with `policies`. */
  loadPolicies?: LoadPolicies;
  /** Worker threads for baseline cells (1 = this thread). @default os.availableParallelism() */
  workers?: number;
  /** Where baseline cells run instead (e.g. a BullMQ queue, experiments/jobs/redis.ts); the caller closes it. @default worker threads */
  backend?: JobBackend;
  /** No progress output. @default false */
  quiet?: boolean;
  /** Replace every cell computation (tests). */
  compute?: (spec: CellSpec) => CellResult | Promise<CellResult>;
}

export interface ExperimentRun {
  name: string;
  out: string;
  report: string;
  sections: Section[];
  computed: number;
  reused: number;
  seconds: number;
}

/** Parse and check a scale name. */
export function resolveScale(scale: string): ScaleName {
  if (scale in SCALES) return scale as ScaleName;
  throw new ExperimentError(
    `unknown scale '${scale}': use --scale paper (the paper's horizon) or --scale quick (a short smoke run)`,
  );
}

function resolveExperiments(name: string): Experiment[] {
  if (name === 'paper') return [...EXPERIMENTS];
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e)
    throw new ExperimentError(`unknown experiment '${name}': choose one of ${EXPERIMENT_NAMES.join(', ')}`);
  return [e];
}

/** Run an experiment (or `paper`: all of them), writing data, figures and REPORT.md under `out`. */
export async function runExperiment(name: string, opts: RunExperimentOptions = {}): Promise<ExperimentRun> {
  const t0 = performance.now();
  if (name === 'auction-theory') return runAuctionTheoryExperiment(opts, t0);
  if (name === 'strategic') return runStrategicExperiment(opts);
  const experiments = resolveExperiments(name);
  const scale = SCALES[resolveScale(opts.scale ?? 'paper')];
  if (opts.seeds !== undefined && (!Number.isInteger(opts.seeds) || opts.seeds < 1)) {
    throw new ExperimentError(`--seeds must be a positive integer, got ${opts.seeds}`);
  }
  const populations: Population[] = [{ label: BASELINE_POPULATION }];
  if (opts.policies !== undefined) {
    if (!opts.loadPolicies) {
      throw new ExperimentError(
        `--policies ${opts.policies}: this build has no loader for learned policies wired into 'experiment'. Run without --policies to use the paper-heuristic baseline only, or evaluate the run with the trainer's tools.`,
      );
    }
    if (!existsSync(opts.policies)) {
      throw new ExperimentError(
        `--policies ${opts.policies}: no such run directory. Pass a training run folder, e.g. runs/<name>.`,
      );
    }
    populations.push({ label: 'learned', runDir: opts.policies });
  }
  const seeds = range(opts.seeds ?? scale.seeds);
  const sweepSeeds = range(opts.seeds ?? scale.sweep.seeds);
  const out = resolve(opts.out ?? join('results', name));
  const multi = name === 'paper';
  const ctxOf = (e: Experiment): ExperimentContext => ({
    scale,
    seeds,
    sweepSeeds,
    out: multi ? join(out, e.name) : out,
    populations,
  });

  const cells = new Map<string, CellSpec>();
  for (const e of experiments) for (const c of e.cells(ctxOf(e))) cells.set(cellId(c), c);
  const loaded = new Map<string, PolicySet>();
  const computeLearned = async (spec: CellSpec): Promise<CellResult> => {
    const scenario = cellScenario(spec);
    const key = stableJson(scenario);
    let set = loaded.get(key);
    if (!set) {
      set = await opts.loadPolicies!(spec.policies!, scenario);
      loaded.set(key, set);
    }
    return computeCell(spec, scenario, set);
  };
  const run = await runCells([...cells.values()], {
    cellDir: join(out, 'cells'),
    workers: opts.workers,
    backend: opts.backend,
    computeLearned,
    compute: opts.compute,
    quiet: opts.quiet,
    label: `experiment ${name}`,
  });
  const get = (spec: CellSpec): CellResult => {
    const r = run.results.get(cellId(spec));
    if (!r) throw new Error(`internal: cell ${cellId(spec)} was not computed`);
    return r;
  };

  const sections: Section[] = [];
  for (const e of experiments) {
    const ctx = ctxOf(e);
    const section = await e.analyse(ctx, get);
    sections.push(section);
    if (multi)
      writeFileAtomic(join(ctx.out, 'REPORT.md'), renderReport(e.name, [section], ctx, opts, run, 0, ''));
  }
  const seconds = (performance.now() - t0) / 1000;
  const ctx0 = ctxOf(experiments[0]);
  const report = join(out, 'REPORT.md');
  writeFileAtomic(report, renderReport(name, sections, ctx0, opts, run, seconds, multi ? 'sub' : ''));
  return { name, out, report, sections, computed: run.computed, reused: run.reused, seconds };
}

/** `experiment auction-theory`: fixed-markup deviations on `auction-lab` (its own seeds: 200 unless --seeds). */
function runAuctionTheoryExperiment(opts: RunExperimentOptions, t0: number): ExperimentRun {
  if (opts.seeds !== undefined && (!Number.isInteger(opts.seeds) || opts.seeds < 2)) {
    throw new ExperimentError(`--seeds must be an integer of at least 2 for intervals, got ${opts.seeds}`);
  }
  if (opts.policies !== undefined) {
    throw new ExperimentError(
      '--policies does not apply to auction-theory: evaluate a run with `copronet eval <run>` (its coprocessor table reports the learned bid markup)',
    );
  }
  const out = resolve(opts.out ?? join('results', 'auction-theory'));
  const result = runAuctionTheory({ seeds: opts.seeds ?? 200 });
  const rows = result.checks.flatMap((c) =>
    c.points.map((p) => ({
      mechanism: c.mechanism,
      markup: p.markup,
      profit_mean: p.profit.mean,
      profit_ci_lo: p.profit.ciLo,
      profit_ci_hi: p.profit.ciHi,
      vs_truthful_mean: p.vsTruthful.mean,
      vs_truthful_ci_lo: p.vsTruthful.ciLo,
      vs_truthful_ci_hi: p.vsTruthful.ciHi,
      win_share: p.winShare,
    })),
  );
  const table = new CsvTable();
  for (const r of rows) table.push(r);
  table.write(join(out, 'deviations.csv'));
  const markdown = auctionTheoryReport(result);
  const report = join(out, 'REPORT.md');
  writeFileAtomic(
    report,
    `${markdown}\nCommand: \`copronet experiment auction-theory${opts.seeds ? ` --seeds ${opts.seeds}` : ''}\`; ${gitCommit()}, Node ${process.version}. Data: [deviations.csv](deviations.csv).\n`,
  );
  const sections = result.checks.map((c) => ({
    title: c.mechanism,
    markdown: `${c.holds ? 'holds' : 'does not hold'}: best markup ${c.best}`,
  }));
  return {
    name: 'auction-theory',
    out,
    report,
    sections,
    computed: rows.length,
    reused: 0,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * `experiment strategic`: both roles trained per cell of a slashing x detection grid (experiments/strategic.ts;
 * loaded here only when asked for, so `experiment paper` does not load tfjs). Its own scales, `quick` and `paper`.
 */
async function runStrategicExperiment(opts: RunExperimentOptions): Promise<ExperimentRun> {
  const scale = resolveScale(opts.scale ?? 'paper');
  if (opts.seeds !== undefined && (!Number.isInteger(opts.seeds) || opts.seeds < 1)) {
    throw new ExperimentError(`--seeds must be a positive integer, got ${opts.seeds}`);
  }
  if (opts.policies !== undefined) {
    throw new ExperimentError(
      '--policies does not apply to strategic: it trains its own agents in every cell (run it without --policies)',
    );
  }
  const { runStrategic } = await import('./strategic.ts');
  const run = await runStrategic({
    scale,
    seeds: opts.seeds,
    out: opts.out ?? join('results', 'strategic'),
    quiet: opts.quiet,
    code: `${gitCommit()}, Node ${process.version}`,
  });
  const sections = [
    ...run.claims.fig2.map((c) => ({ title: `Fig. 2 (${c.population})`, markdown: c.text })),
    ...run.claims.fig3.map((c) => ({ title: `Fig. 3 (${c.population})`, markdown: c.text })),
  ];
  return {
    name: 'strategic',
    out: run.out,
    report: run.report,
    sections,
    computed: run.computed,
    reused: run.reused,
    seconds: run.seconds,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

const VERDICT = /\*\*(holds|does not hold|partly holds)\*\*/;

function renderReport(
  name: string,
  sections: Section[],
  ctx: ExperimentContext,
  opts: RunExperimentOptions,
  run: { computed: number; reused: number; seconds: number },
  seconds: number,
  layout: '' | 'sub',
): string {
  const args = [`--scale ${ctx.scale.name}`];
  if (opts.seeds !== undefined) args.push(`--seeds ${opts.seeds}`);
  if (opts.policies) args.push(`--policies ${opts.policies}`);
  const glance: string[] = [];
  for (const s of sections) {
    for (const line of s.markdown.split('\n')) {
      if (line.startsWith('- ') && VERDICT.test(line)) {
        const firstSentence = line.slice(2).split('. ')[0];
        glance.push(`| ${s.title} | ${firstSentence.replace(/\|/g, '/')} |`);
      }
    }
  }
  const head = [
    `# copronet experiment: ${name}`,
    '',
    `Command: \`copronet experiment ${name} ${args.join(' ')}\``,
    '',
    `- Scale \`${ctx.scale.name}\`: ${ctx.scale.description}; seeds ${ctx.seeds.join(', ')} (sweep: ${ctx.sweepSeeds.join(', ')}).`,
    `- Policies: ${ctx.populations.map((p) => (p.runDir ? `${p.label} (${p.runDir})` : p.label)).join(', ')}.`,
    `- Cells: ${run.computed} computed, ${run.reused} reused from disk (\`cells/\`), ${run.seconds.toFixed(1)} s${seconds > 0 ? `; report written after ${seconds.toFixed(1)} s in total` : ''}.`,
    `- Code: ${gitCommit()}, Node ${process.version}.`,
    '',
    "Every figure below: the paper's claim, the figure (PNG, with the SVG next to it), the numbers this run measured and whether the claim holds here. The simulator is not tuned to the claims: where one does not hold, the report says so.",
    '',
  ];
  if (glance.length > 0)
    head.push('## Claims at a glance', '', '| figure | verdict |', '| --- | --- |', ...glance, '');
  const body = sections.flatMap((s, i) => {
    const link =
      layout === 'sub' ? `\n\nFiles: [\`${EXPERIMENTS[i]?.name}/\`](${EXPERIMENTS[i]?.name}/)` : '';
    return [
      `## ${s.title}${link}`,
      '',
      fixLinks(s.markdown, layout === 'sub' ? `${EXPERIMENTS[i]?.name}/` : ''),
      '',
    ];
  });
  return [...head, ...body].join('\n');
}

/** Prefix relative figure and data links when a section is shown from the parent folder. */
function fixLinks(markdown: string, prefix: string): string {
  if (!prefix) return markdown;
  return markdown.replace(/\]\(([^)/]+\.(png|svg))\)/g, `](${prefix}$1)`);
}

function gitCommit(): string {
  try {
    return `commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()}`;
  } catch {
    return 'commit unknown';
  }
}
