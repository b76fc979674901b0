/**
 * Beyond the paper (open question 6.1, "which parameters deter misbehaviour
 * while maintaining participation"), with agents that choose. `sweep-slashing`
 * asks it of fixed populations, whose malicious coprocessors shirk at the same
 * rate whatever the slashing and can only be ejected. Here both roles are
 * trained from scratch with the project's PPO (`NETWORK_PPO_DEFAULTS`) in every
 * cell of a grid over the slashing factor sigma (`slashing.factor`), the
 * fishermen's detection probability (`slashing.detectionProbability`) and,
 * optionally, the load-curve height b (`loadCurve.b`); the learned policies are
 * then evaluated deterministically on held-out seeds, beside the fixed
 * `paper-heuristic` population on the same cells and seeds.
 *
 * Measured per cell: what the agents chose (coprocessors' shirk probability,
 * bid markup and load against L*; operators' self-executed share and eta) and
 * the outcomes (undetected faults per task, agents active at the end per role,
 * mean price / R, profit per agent per role, welfare), each with a 95% nested
 * bootstrap interval over training seeds x evaluation seeds
 * (lib/nested-bootstrap.ts). Re-tested with learned populations: Fig. 2
 * (moderate slashing maximises cumulative reward) and Fig. 3 (rewards across
 * operators converge over time). The model's terms are in docs/MODEL.md
 * ("Execution, failure and shirking", "Money", "The optimal load curve").
 *
 * Cells are cached like every experiment's (lib/runner.ts `runCells`): one JSON
 * file per cell under `<out>/cells/`, named by a hash of its spec (the learned
 * spec holds the PPO config, the budget and the tfjs backend), so a rerun reads
 * the finished cells and an interrupted sweep continues. Every cell is a
 * `strategic` job (experiments/strategic-cell.ts, experiments/jobs/kinds.ts):
 * on the local worker threads by default (`--workers`, one per core, each
 * initialising the spec's tfjs backend and training one cell at a time), or on
 * `copronet worker` processes with `--queue` (README "Sweeps on several
 * machines"); the results are the same to the bit either way.
 */
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { type BackendInfo, type BackendName, backendInfo, initBackend } from '../agents/tf/backend.ts';
import { NETWORK_PPO_DEFAULTS } from '../envs/network/hyperparams.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { writeFileAtomic } from '../src/core/atomic.ts';
import { catalogEntry } from './catalog.ts';
import { heldOutSeeds } from './eval/seeds.ts';
import { BASELINE_POPULATION, type CellSpec } from './lib/cells.ts';
import type { JobBackend } from './jobs/backend.ts';
import { figure, fmt, mdTable, pct, writeCsv } from './lib/context.ts';
import { type NestedInterval, nestedBootstrap } from './lib/nested-bootstrap.ts';
import { cellId, runCells } from './lib/runner.ts';
import {
  LEARNED_POPULATION,
  type StrategicEpisode,
  type StrategicResult,
  type StrategicSpec,
} from './strategic-cell.ts';
import { ACTIVE_BOUND, feasibleRegionLayer, INTEGRITY_BOUND } from './sweep-slashing.ts';

export {
  computeFixedCell,
  computeLearnedCell,
  LEARNED_POPULATION,
  type StrategicEpisode,
  type StrategicResult,
  type StrategicSpec,
  strategicEpisode,
} from './strategic-cell.ts';

const ENTRY = catalogEntry('strategic');

/** Legends wide enough for the population names (the shared legend config of lib/render.ts, plus the limit). */
const LEGEND = { labelFontSize: 11, titleFontSize: 12, labelLimit: 260, titleLimit: 260 };

const POP_LABEL: Record<string, string> = {
  [LEARNED_POPULATION]: 'learned (PPO per cell)',
  [BASELINE_POPULATION]: 'fixed (paper-heuristic)',
};
const popLabel = (p: string) => POP_LABEL[p] ?? p;
/** The two populations, learned first (report order, legends). */
const POPULATIONS = [LEARNED_POPULATION, BASELINE_POPULATION] as const;

export type StrategicScaleName = 'quick' | 'paper';

export interface StrategicScale {
  name: string;
  /** Built-in scenario name or scenario file (trained and evaluated at its own horizon). */
  scenario: string;
  /** Slashing factors sigma. */
  factors: readonly number[];
  /** Detection probabilities of a shirked task. */
  detections: readonly number[];
  /** Load-curve heights b (`loadCurve.b`). */
  b: readonly number[];
  /** Training samples per cell (whole PPO iterations: rounded down). */
  timesteps: number;
  /** Training seeds per cell (1..n). */
  seeds: number;
  /** Held-out evaluation seeds per trained policy (10000, 10001, ...). */
  evalSeeds: number;
  /** PPO settings on top of `NETWORK_PPO_DEFAULTS` (tests use a smaller rollout). @default {} */
  ppo?: Record<string, unknown>;
  /** One line for the report. */
  description: string;
}

/**
 * `quick`: 3 sigmas x 2 detection probabilities x 1 training seed, 150k samples
 * per cell on `quick`, 5 evaluation seeds (about 13 s on 2 cores).
 * `paper`: 6 sigmas x 3 detection probabilities x 2 training seeds, 500k
 * samples per cell (what `npm start` trains), 10 evaluation seeds (about 3.5
 * min on 2 cores; README, "Strategic agents").
 */
export const STRATEGIC_SCALES: Record<StrategicScaleName, StrategicScale> = {
  quick: {
    name: 'quick',
    scenario: 'quick',
    factors: [0, 1, 4],
    detections: [0.1, 0.6],
    b: [1],
    timesteps: 150_000,
    seeds: 1,
    evalSeeds: 5,
    description:
      'scenario `quick` (10 operators, 10 coprocessors, 100 periods, ~100 tasks/period), 150k PPO samples per cell',
  },
  paper: {
    name: 'paper',
    scenario: 'quick',
    factors: [0, 0.25, 0.5, 1, 2, 4],
    detections: [0.1, 0.3, 0.6],
    b: [1],
    timesteps: 500_000,
    seeds: 2,
    evalSeeds: 10,
    description:
      'scenario `quick` (10 operators, 10 coprocessors, 100 periods, ~100 tasks/period), 500k PPO samples per cell',
  },
};

type MetricKey = Exclude<keyof StrategicEpisode, 'evalSeed' | 'tasks' | 'undetectedShirks'> | 'giniChange';

interface MetricDef {
  key: MetricKey;
  label: string;
  kind: 'rate' | 'ratio' | 'amount' | 'tiny';
  group: 'choice' | 'outcome' | 'fig3';
}

const METRICS: readonly MetricDef[] = [
  { key: 'shirk', label: 'shirk probability', kind: 'rate', group: 'choice' },
  { key: 'bid', label: 'bid markup', kind: 'ratio', group: 'choice' },
  { key: 'loadGap', label: 'coprocessor load - L*', kind: 'ratio', group: 'choice' },
  { key: 'overloaded', label: 'coprocessor-periods above L*', kind: 'rate', group: 'choice' },
  { key: 'selfShare', label: 'self-executed share', kind: 'rate', group: 'choice' },
  { key: 'eta', label: 'eta (payment cap / R)', kind: 'ratio', group: 'choice' },
  { key: 'undetectedRate', label: 'undetected faults / task', kind: 'tiny', group: 'outcome' },
  { key: 'activeOperators', label: 'operators active at end', kind: 'rate', group: 'outcome' },
  { key: 'activeCoprocessors', label: 'coprocessors active at end', kind: 'rate', group: 'outcome' },
  { key: 'price', label: 'mean price / R', kind: 'ratio', group: 'outcome' },
  { key: 'profitOperator', label: 'profit / operator', kind: 'amount', group: 'outcome' },
  { key: 'profitCoprocessor', label: 'profit / coprocessor', kind: 'amount', group: 'outcome' },
  { key: 'welfare', label: 'welfare (total profit)', kind: 'amount', group: 'outcome' },
  { key: 'giniEarly', label: 'Gini early', kind: 'ratio', group: 'fig3' },
  { key: 'giniLate', label: 'Gini late', kind: 'ratio', group: 'fig3' },
  { key: 'giniChange', label: 'Gini late - early', kind: 'ratio', group: 'fig3' },
];

const metricValue = (e: StrategicEpisode, key: MetricKey): number =>
  key === 'giniChange' ? e.giniLate - e.giniEarly : e[key];

export interface StrategicOptions {
  /** A scale name or a scale (tests pass a tiny one). @default 'paper' */
  scale?: StrategicScaleName | StrategicScale;
  /** Training seeds per cell (1..n). @default the scale's */
  seeds?: number;
  /** Output folder. @default results/strategic */
  out?: string;
  /** tfjs backend when none is initialised yet. @default 'auto' */
  backend?: BackendName;
  /** No progress output. @default false */
  quiet?: boolean;
  /** Called when a learned cell is handed to the backend to train (tests count the trainers asked for). */
  onTrain?: (spec: StrategicSpec) => void;
  /** Worker threads running the cells (each trains one cell at a time); 1 runs them in this thread. @default os.availableParallelism() */
  workers?: number;
  /** Where the cells run instead (a BullMQ queue, experiments/jobs/redis.ts); the caller closes it. @default worker threads */
  jobs?: JobBackend;
  /** The command line shown in the report. @default `copronet experiment strategic --scale <name>` */
  command?: string;
  /** Code version line. @default none */
  code?: string;
}

/** One setting of the grid. */
export interface StrategicSetting {
  factor: number;
  detection: number;
  b: number;
}

/** A cell's aggregate: every metric's mean and interval, and the feasibility checks. */
export interface StrategicPoint extends StrategicSetting {
  population: string;
  metrics: Record<MetricKey, NestedInterval>;
  /** Means within the bounds: undetected <= INTEGRITY_BOUND and operators active >= ACTIVE_BOUND. */
  feasible: boolean;
  /** The intervals within the bounds as well (upper end of undetected, lower end of active). */
  robust: boolean;
}

export interface StrategicRun {
  out: string;
  report: string;
  points: StrategicPoint[];
  computed: number;
  reused: number;
  seconds: number;
  /** Claims re-tested, for callers and tests. */
  claims: { fig2: ClaimVerdict[]; fig3: ClaimVerdict[] };
}

export interface ClaimVerdict {
  population: string;
  verdict: 'holds' | 'partly holds' | 'does not hold';
  text: string;
}

/** The scale with `--seeds` applied. */
function resolveScale(opts: StrategicOptions): StrategicScale {
  const s = opts.scale ?? 'paper';
  const scale = typeof s === 'string' ? STRATEGIC_SCALES[s] : s;
  if (!scale) throw new Error(`unknown strategic scale '${String(s)}': use quick or paper`);
  if (opts.seeds !== undefined) {
    if (!Number.isInteger(opts.seeds) || opts.seeds < 1)
      throw new Error(`--seeds must be a positive integer, got ${opts.seeds}`);
    return { ...scale, seeds: opts.seeds };
  }
  return scale;
}

export function grid(scale: StrategicScale): StrategicSetting[] {
  return scale.factors.flatMap((factor) =>
    scale.detections.flatMap((detection) => scale.b.map((b) => ({ factor, detection, b }))),
  );
}

const overridesOf = (g: StrategicSetting): StrategicSpec['overrides'] => ({
  slashing: { factor: g.factor, detectionProbability: g.detection },
  loadCurve: { b: g.b },
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The PPO config of every learned cell: the network defaults, no checkpoints, the scale's extras. */
function ppoConfig(scale: StrategicScale): Record<string, unknown> {
  return { ...NETWORK_PPO_DEFAULTS, checkpointEvery: 0, ...scale.ppo };
}

/** Every cell of the scale: per setting, the learned population per training seed, and the fixed one. */
export function strategicCells(
  scale: StrategicScale,
  backend: BackendInfo['name'],
): { setting: StrategicSetting; spec: StrategicSpec }[] {
  const evalSeeds = heldOutSeeds(scale.evalSeeds, range(scale.seeds)).seeds;
  const config = ppoConfig(scale);
  return grid(scale).flatMap((setting) => [
    ...range(scale.seeds).map((seed) => ({
      setting,
      spec: {
        kind: 'strategic' as const,
        scenario: scale.scenario,
        overrides: overridesOf(setting),
        seed,
        population: LEARNED_POPULATION,
        evalSeeds,
        train: { timesteps: scale.timesteps, config, backend },
      },
    })),
    {
      setting,
      spec: {
        kind: 'strategic' as const,
        scenario: scale.scenario,
        overrides: overridesOf(setting),
        seed: 0,
        population: BASELINE_POPULATION,
        evalSeeds,
      },
    },
  ]);
}

/** Aggregate the cells of one population and setting (groups = training seeds). */
export function aggregate(
  population: string,
  setting: StrategicSetting,
  results: readonly StrategicResult[],
): StrategicPoint {
  const metrics = Object.fromEntries(
    METRICS.map((m) => [
      m.key,
      nestedBootstrap(results.map((r) => r.episodes.map((e) => metricValue(e, m.key)))),
    ]),
  ) as Record<MetricKey, NestedInterval>;
  const u = metrics.undetectedRate;
  const a = metrics.activeOperators;
  return {
    population,
    ...setting,
    metrics,
    feasible: u.mean <= INTEGRITY_BOUND && a.mean >= ACTIVE_BOUND,
    robust: u.hi <= INTEGRITY_BOUND && a.lo >= ACTIVE_BOUND,
  };
}

const sameSetting = (a: StrategicSetting, b: StrategicSetting) =>
  a.factor === b.factor && a.detection === b.detection && a.b === b.b;

/** Run the sweep: train and evaluate the cells not on disk, then write CSV, figures and REPORT.md. */
export async function runStrategic(opts: StrategicOptions = {}): Promise<StrategicRun> {
  const t0 = performance.now();
  const scale = resolveScale(opts);
  const out = resolve(opts.out ?? join('results', 'strategic'));
  const backend = backendInfo() ?? (await initBackend(opts.backend ?? 'auto'));
  const cells = strategicCells(scale, backend.name);
  // runCells keys, stores and reads specs and results as opaque JSON (cellId hashes the whole spec).
  const asCell = (s: StrategicSpec) => s as unknown as CellSpec;
  // Every cell is a `strategic` job (experiments/jobs/kinds.ts) on the backend: worker threads of this process
  // (each initialising the spec's tfjs backend) or `copronet worker` processes with --queue. runCells keys,
  // stores and reads specs and results as opaque JSON (cellId hashes the whole spec).
  const run = await runCells(
    cells.map((c) => asCell(c.spec)),
    {
      cellDir: join(out, 'cells'),
      quiet: opts.quiet,
      label: 'experiment strategic',
      workers: opts.workers,
      backend: opts.jobs,
      toJob: (cell) => {
        const spec = cell as unknown as StrategicSpec;
        if (spec.population === LEARNED_POPULATION) opts.onTrain?.(spec);
        return { kind: 'strategic', spec };
      },
    },
  );
  const get = (spec: StrategicSpec): StrategicResult => {
    const r = run.results.get(cellId(asCell(spec)));
    if (!r) throw new Error(`internal: strategic cell ${cellId(asCell(spec))} was not computed`);
    return r as unknown as StrategicResult;
  };
  const points: StrategicPoint[] = [];
  for (const population of POPULATIONS) {
    for (const setting of grid(scale)) {
      const rs = cells
        .filter((c) => c.spec.population === population && sameSetting(c.setting, setting))
        .map((c) => get(c.spec));
      points.push(aggregate(population, setting, rs));
    }
  }
  const first = get(cells[0].spec);
  const firstLearned = cells.find((c) => c.spec.population === LEARNED_POPULATION);
  const samples = firstLearned ? get(firstLearned.spec).samples : 0;
  const episodeRows: Record<string, number | string>[] = [];
  for (const c of cells) {
    const r = get(c.spec);
    for (const e of r.episodes) {
      episodeRows.push({
        population: c.spec.population,
        factor: c.setting.factor,
        detection: c.setting.detection,
        b: c.setting.b,
        train_seed: c.spec.seed,
        eval_seed: e.evalSeed,
        tasks: e.tasks,
        undetected_shirks: e.undetectedShirks,
        ...Object.fromEntries(
          METRICS.filter((m) => m.key !== 'giniChange').map((m) => [snake(m.key), metricValue(e, m.key)]),
        ),
      });
    }
  }
  const csvEpisodes = writeCsv({ out }, 'strategic-episodes', episodeRows);
  const csv = writeCsv(
    { out },
    'strategic',
    points.map((p) => ({
      population: p.population,
      factor: p.factor,
      detection: p.detection,
      b: p.b,
      ...Object.fromEntries(
        METRICS.flatMap((m) => [
          [`${snake(m.key)}_mean`, p.metrics[m.key].mean],
          [`${snake(m.key)}_ci_lo`, p.metrics[m.key].lo],
          [`${snake(m.key)}_ci_hi`, p.metrics[m.key].hi],
        ]),
      ),
      feasible: p.feasible ? 1 : 0,
      feasible_intervals: p.robust ? 1 : 0,
    })),
  );
  const figs = await figures(out, scale, points);
  const fig2 = POPULATIONS.map((pop) => fig2Claim(scale, points, pop));
  const fig3 = POPULATIONS.map((pop) => fig3Claim(points, pop, first.giniWindow, first.periods));
  const seconds = (performance.now() - t0) / 1000;
  const markdown = report({
    scale,
    opts,
    backend: backend.name,
    points,
    first,
    run: { computed: run.computed, reused: run.reused, seconds: run.seconds },
    seconds,
    figs,
    fig2,
    fig3,
    samples,
    evalSeeds: cells[0].spec.evalSeeds,
    data: [csv, csvEpisodes],
  });
  const reportPath = join(out, 'REPORT.md');
  writeFileAtomic(reportPath, markdown);
  return {
    out,
    report: reportPath,
    points,
    computed: run.computed,
    reused: run.reused,
    seconds,
    claims: { fig2, fig3 },
  };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const settingLabel = (p: StrategicSetting, scale: StrategicScale) =>
  `sigma ${p.factor}, detection ${p.detection}${scale.b.length > 1 ? `, b=${p.b}` : ''}`;

function formatValue(x: number, kind: MetricDef['kind']): string {
  if (!Number.isFinite(x)) return String(x);
  if (kind === 'rate') return pct(x);
  if (kind === 'tiny') return x === 0 ? '0' : x.toExponential(1);
  if (kind === 'ratio') return fmt(x, 3);
  return fmt(x, 1);
}

const band = (iv: NestedInterval, kind: MetricDef['kind']) =>
  `${formatValue(iv.mean, kind)} [${formatValue(iv.lo, kind)}, ${formatValue(iv.hi, kind)}]`;

const kindOf = (key: MetricKey) => METRICS.find((m) => m.key === key)!.kind;
const show = (p: StrategicPoint, key: MetricKey) => band(p.metrics[key], kindOf(key));

async function figures(
  out: string,
  scale: StrategicScale,
  points: readonly StrategicPoint[],
): Promise<{ frontier: string; choices: string; outcomes: string }> {
  const floor = 1e-6;
  const schema = 'https://vega.github.io/schema/vega-lite/v6.json';
  const factors = scale.factors.map(String);
  const frontierData = points.map((p) => {
    const u = p.metrics.undetectedRate;
    const a = p.metrics.activeOperators;
    return {
      population: popLabel(p.population),
      factor: String(p.factor),
      detection: `d=${p.detection}${scale.b.length > 1 ? `, b=${p.b}` : ''}`,
      rate: Math.max(floor, u.mean),
      rateLo: Math.max(floor, u.lo),
      rateHi: Math.max(floor, u.hi),
      active: a.mean,
      activeLo: a.lo,
      activeHi: a.hi,
    };
  });
  const frontier = await figure({ out }, 'strategic-frontier', {
    $schema: schema,
    title: {
      text: 'Integrity vs participation: learned agents and the fixed population',
      subtitle: [
        `green: undetected faults <= ${pct(INTEGRITY_BOUND)} of tasks and >= ${pct(ACTIVE_BOUND, 0)} of operators active (feasible)`,
        `bars: 95% intervals; label: detection probability; an undetected rate of 0 is drawn at ${floor}`,
      ],
    },
    config: { legend: LEGEND },
    width: 560,
    height: 360,
    data: { values: frontierData },
    layer: [
      feasibleRegionLayer(floor),
      {
        mark: { type: 'rule', opacity: 0.5 },
        encoding: {
          x: { field: 'rateLo', type: 'quantitative' },
          x2: { field: 'rateHi' },
          y: { field: 'active', type: 'quantitative' },
          color: { field: 'factor', type: 'ordinal', sort: factors, scale: { scheme: 'viridis' } },
        },
      },
      {
        mark: { type: 'rule', opacity: 0.5 },
        encoding: {
          x: { field: 'rate', type: 'quantitative' },
          y: { field: 'activeLo', type: 'quantitative' },
          y2: { field: 'activeHi' },
          color: { field: 'factor', type: 'ordinal', sort: factors, scale: { scheme: 'viridis' } },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 90, opacity: 0.9 },
        encoding: {
          x: {
            field: 'rate',
            type: 'quantitative',
            scale: { type: 'log' },
            title: 'undetected faults per task (log)',
          },
          y: {
            field: 'active',
            type: 'quantitative',
            title: 'operators active at the end (share)',
            scale: { domain: [0, 1.02] },
          },
          color: {
            field: 'factor',
            type: 'ordinal',
            title: 'slashing factor',
            sort: factors,
            scale: { scheme: 'viridis' },
          },
          shape: {
            field: 'population',
            type: 'nominal',
            title: 'population',
            scale: { domain: POPULATIONS.map(popLabel), range: ['square', 'circle'] },
          },
        },
      },
      {
        mark: { type: 'text', dx: 8, dy: -8, fontSize: 9, color: '#555', align: 'left' },
        encoding: {
          x: { field: 'rate', type: 'quantitative' },
          y: { field: 'active', type: 'quantitative' },
          text: { field: 'detection' },
        },
      },
    ],
  });
  const long = (group: MetricDef['group']) =>
    points.flatMap((p) =>
      METRICS.filter((m) => m.group === group).map((m) => ({
        population: popLabel(p.population),
        metric: m.label,
        factor: String(p.factor),
        detection: `${p.detection}${scale.b.length > 1 ? `, b=${p.b}` : ''}`,
        mean: p.metrics[m.key].mean,
        lo: p.metrics[m.key].lo,
        hi: p.metrics[m.key].hi,
      })),
    );
  // A faceted spec built from data: its literal unions widen to string, hence the cast (as for any vega-lite spec in code).
  const panels = (group: MetricDef['group'], title: string, subtitle: string) =>
    ({
      $schema: schema,
      title: { text: title, subtitle },
      data: { values: long(group) },
      facet: {
        field: 'metric',
        type: 'nominal',
        title: null,
        sort: METRICS.filter((m) => m.group === group).map((m) => m.label),
      },
      columns: 3,
      // Every panel its own x axis: a shared one would be drawn under the empty cells of the last row.
      resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
      config: { legend: LEGEND },
      spec: {
        width: 230,
        height: 160,
        layer: [
          {
            mark: { type: 'rule', opacity: 0.45 },
            encoding: {
              x: {
                field: 'factor',
                type: 'ordinal',
                sort: factors,
                title: 'slashing factor',
                scale: { type: 'point', padding: 0.5 },
                axis: { labelAngle: 0 },
              },
              y: { field: 'lo', type: 'quantitative', title: null },
              y2: { field: 'hi' },
              color: {
                field: 'detection',
                type: 'nominal',
                title: 'detection probability',
                scale: { scheme: 'category10' },
              },
            },
          },
          {
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'factor', type: 'ordinal', sort: factors, scale: { type: 'point', padding: 0.5 } },
              y: { field: 'mean', type: 'quantitative', scale: { zero: false } },
              color: {
                field: 'detection',
                type: 'nominal',
                title: 'detection probability',
                scale: { scheme: 'category10' },
              },
              strokeDash: {
                field: 'population',
                type: 'nominal',
                title: 'population',
                scale: {
                  domain: POPULATIONS.map(popLabel),
                  range: [
                    [1, 0],
                    [5, 3],
                  ],
                },
                legend: { symbolType: 'stroke', symbolStrokeWidth: 2 },
              },
            },
          },
        ],
      },
    }) as unknown as TopLevelSpec;
  const choices = await figure(
    { out },
    'strategic-choices',
    panels(
      'choice',
      'What the agents chose, against the slashing factor',
      'one line per detection probability; solid: learned, dashed: fixed paper-heuristic; bars: 95% intervals',
    ),
  );
  const outcomes = await figure(
    { out },
    'strategic-outcomes',
    panels(
      'outcome',
      'Outcomes against the slashing factor',
      'one line per detection probability; solid: learned, dashed: fixed paper-heuristic; bars: 95% intervals',
    ),
  );
  return { frontier, choices, outcomes };
}

const isModerate = (f: number) => f > 0 && f <= 1;

/** Fig. 2 re-tested: at each detection probability, is the highest welfare at a moderate sigma (0 < sigma <= 1)? */
function fig2Claim(
  scale: StrategicScale,
  points: readonly StrategicPoint[],
  population: string,
): ClaimVerdict {
  const parts: string[] = [];
  let moderate = 0;
  let lines = 0;
  for (const detection of scale.detections) {
    for (const b of scale.b) {
      const line = points.filter(
        (p) => p.population === population && p.detection === detection && p.b === b,
      );
      if (line.length < 2) continue;
      lines++;
      const best = line.reduce((x, y) => (y.metrics.welfare.mean > x.metrics.welfare.mean ? y : x));
      const others = line.filter((p) => p !== best);
      const apart = others.every((p) => p.metrics.welfare.hi < best.metrics.welfare.lo);
      if (isModerate(best.factor)) moderate++;
      parts.push(
        `detection ${detection}${scale.b.length > 1 ? `, b=${b}` : ''}: highest at sigma ${best.factor} (${fmt(best.metrics.welfare.mean, 0)}; ${line
          .filter((p) => p !== best)
          .map((p) => `sigma ${p.factor}: ${fmt(p.metrics.welfare.mean, 0)}`)
          .join(
            ', ',
          )}; ${apart ? 'interval apart from every other sigma' : 'interval overlapping another sigma'})`,
      );
    }
  }
  const verdict = moderate === lines && lines > 0 ? 'holds' : moderate > 0 ? 'partly holds' : 'does not hold';
  const hasModerate = scale.factors.some(isModerate);
  return {
    population,
    verdict,
    text: `${popLabel(population)}: **${verdict}**: the welfare maximum sits at a moderate sigma (0 < sigma <= 1) at ${moderate} of ${lines} detection probabilities. ${parts.join('; ')}.${hasModerate ? '' : ' (The grid has no moderate sigma.)'}`,
  };
}

/** Fig. 3 re-tested: does the per-period Gini across operators fall from the early to the late window? */
function fig3Claim(
  points: readonly StrategicPoint[],
  population: string,
  window: number,
  periods: number,
): ClaimVerdict {
  const pts = points.filter((p) => p.population === population);
  const converge = pts.filter(
    (p) => p.metrics.giniLate.mean < 0.95 * p.metrics.giniEarly.mean && p.metrics.giniChange.hi < 0,
  );
  const spread = pts.filter(
    (p) => p.metrics.giniLate.mean > 1.05 * p.metrics.giniEarly.mean && p.metrics.giniChange.lo > 0,
  );
  // Convergence that comes from ejections (an empty or nearly empty late market) is not the paper's claim.
  const kept = converge.filter((p) => p.metrics.activeOperators.mean >= ACTIVE_BOUND);
  const verdict =
    converge.length === pts.length && kept.length === pts.length
      ? 'holds'
      : kept.length > 0
        ? 'partly holds'
        : 'does not hold';
  const early = pts.map((p) => p.metrics.giniEarly.mean);
  const late = pts.map((p) => p.metrics.giniLate.mean);
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return {
    population,
    verdict,
    text: `${popLabel(population)}: **${verdict}**: the per-period Gini of operator profits falls (late < 95% of early, interval of the change below 0) in ${converge.length} of ${pts.length} cells, ${kept.length} of them with >= ${pct(ACTIVE_BOUND, 0)} of operators still active; it rises (interval above 0) in ${spread.length}. Mean over cells: ${fmt(avg(early))} in periods 1-${window} vs ${fmt(avg(late))} in periods ${periods - window + 1}-${periods}.`,
  };
}

interface ReportInput {
  scale: StrategicScale;
  opts: StrategicOptions;
  backend: string;
  points: StrategicPoint[];
  first: StrategicResult;
  run: { computed: number; reused: number; seconds: number };
  seconds: number;
  figs: { frontier: string; choices: string; outcomes: string };
  fig2: ClaimVerdict[];
  fig3: ClaimVerdict[];
  /** Samples each learned cell trained on. */
  samples: number;
  evalSeeds: number[];
  data: string[];
}

/** The answer to open question 6.1 for one population, with the nearest cells when none is feasible. */
function answer(scale: StrategicScale, points: readonly StrategicPoint[], population: string): string {
  const pts = points.filter((p) => p.population === population);
  const label = popLabel(population);
  const feas = pts.filter((p) => p.feasible).sort((a, b) => b.metrics.welfare.mean - a.metrics.welfare.mean);
  const u = (p: StrategicPoint) => p.metrics.undetectedRate;
  const a = (p: StrategicPoint) => p.metrics.activeOperators;
  const describe = (p: StrategicPoint) =>
    `${settingLabel(p, scale)}: ${show(p, 'undetectedRate')} undetected faults per task, ${show(p, 'activeOperators')} of operators and ${show(p, 'activeCoprocessors')} of coprocessors active at the end, welfare ${fmt(p.metrics.welfare.mean, 0)}`;
  const lines: string[] = [];
  if (feas.length > 0) {
    const robust = feas.filter((p) => p.robust);
    lines.push(
      `- ${label}: **${feas.length} of ${pts.length} cells feasible** (means within both bounds), best welfare first: ${feas
        .slice(0, 6)
        .map(describe)
        .join(
          '; ',
        )}. ${robust.length} of them with the intervals within the bounds too${robust.length > 0 ? ` (${robust.map((p) => settingLabel(p, scale)).join('; ')})` : ''}.`,
    );
  } else {
    lines.push(`- ${label}: **no cell is feasible**.`);
    const byIntegrity = pts.filter((p) => a(p).mean >= ACTIVE_BOUND).sort((x, y) => u(x).mean - u(y).mean);
    const byParticipation = pts
      .filter((p) => u(p).mean <= INTEGRITY_BOUND)
      .sort((x, y) => a(y).mean - a(x).mean);
    lines.push(
      byIntegrity.length > 0
        ? `  Nearest keeping participation (>= ${pct(ACTIVE_BOUND, 0)} of operators active), fewest undetected faults: ${describe(byIntegrity[0])}.`
        : `  No cell keeps ${pct(ACTIVE_BOUND, 0)} of operators active.`,
    );
    lines.push(
      byParticipation.length > 0
        ? `  Nearest keeping integrity (<= ${pct(INTEGRITY_BOUND)} undetected), most operators active: ${describe(byParticipation[0])}.`
        : `  No cell keeps undetected faults at or under ${pct(INTEGRITY_BOUND)} of tasks.`,
    );
  }
  // Deterrence: how the coprocessors' own shirking answers sigma at each detection probability.
  const det = scale.detections.flatMap((d) =>
    scale.b.map((b) => {
      const line = pts.filter((p) => p.detection === d && p.b === b).sort((x, y) => x.factor - y.factor);
      const lo = line[0];
      const hi = line[line.length - 1];
      const clean = line.find((p) => u(p).mean <= INTEGRITY_BOUND);
      return `detection ${d}${scale.b.length > 1 ? `, b=${b}` : ''}: shirk probability ${show(lo, 'shirk')} at sigma ${lo.factor} vs ${show(hi, 'shirk')} at sigma ${hi.factor}; undetected faults per task ${show(lo, 'undetectedRate')} vs ${show(hi, 'undetectedRate')}; smallest sigma meeting the integrity bound: ${clean ? `${clean.factor} (${pct(a(clean).mean)} of operators active)` : 'none'}`;
    }),
  );
  lines.push(`  Deterrence, by detection probability: ${det.join('; ')}.`);
  return lines.join('\n');
}

function report(r: ReportInput): string {
  const { scale, points } = r;
  const learned = points.filter((p) => p.population === LEARNED_POPULATION);
  const fixed = points.filter((p) => p.population === BASELINE_POPULATION);
  const s0 = loadScenario(scale.scenario);
  const choiceKeys: MetricKey[] = ['shirk', 'bid', 'loadGap', 'overloaded', 'selfShare', 'eta'];
  const outcomeKeys: MetricKey[] = [
    'undetectedRate',
    'activeOperators',
    'activeCoprocessors',
    'price',
    'profitOperator',
    'profitCoprocessor',
    'welfare',
  ];
  const table = (pts: StrategicPoint[], keys: MetricKey[], withFeasible = false) =>
    mdTable(
      [
        'population',
        'sigma',
        'detection',
        ...(scale.b.length > 1 ? ['b'] : []),
        ...keys.map((k) => METRICS.find((m) => m.key === k)!.label),
        ...(withFeasible ? ['feasible'] : []),
      ],
      pts.map((p) => [
        popLabel(p.population),
        p.factor,
        p.detection,
        ...(scale.b.length > 1 ? [p.b] : []),
        ...keys.map((k) => show(p, k)),
        ...(withFeasible ? [p.robust ? 'yes (intervals too)' : p.feasible ? 'yes (means)' : 'no'] : []),
      ]),
    );
  const feasibleCount = (pts: StrategicPoint[]) => `${pts.filter((p) => p.feasible).length} of ${pts.length}`;
  const verdictOf = (list: ClaimVerdict[], pop: string) => list.find((c) => c.population === pop)!.verdict;
  const command =
    r.opts.command ??
    `copronet experiment strategic --scale ${scale.name}${r.opts.seeds ? ` --seeds ${r.opts.seeds}` : ''}`;
  return [
    '# copronet experiment: strategic',
    '',
    `${ENTRY.figures}: ${ENTRY.summary}.`,
    '',
    `Command: \`${command}\``,
    '',
    `- Scale \`${scale.name}\`: ${scale.description}; grid slashing.factor in {${scale.factors.join(', ')}} x slashing.detectionProbability in {${scale.detections.join(', ')}} x loadCurve.b in {${scale.b.join(', ')}}; auction \`${s0.auction.mechanism}\`, L* = ${s0.loadCurve.optimalLoad}.`,
    `- Learned population: both roles trained from scratch per cell with PPO (\`NETWORK_PPO_DEFAULTS\`, ${r.samples.toLocaleString('en-US')} samples per cell), training seeds ${range(scale.seeds).join(', ')}, tfjs backend \`${r.backend}\`; evaluated deterministically (Beta mean) on held-out seeds ${r.evalSeeds.join(', ')}. Fixed population: paper-heuristic in both roles, on the same cells and seeds.`,
    `- Cells: ${r.run.computed} computed, ${r.run.reused} reused from disk (\`cells/\`), ${r.run.seconds.toFixed(1)} s; report written after ${r.seconds.toFixed(1)} s.`,
    ...(r.opts.code ? [`- Code: ${r.opts.code}.`] : []),
    '',
    "Intervals: 95% nested bootstrap over training seeds x evaluation seeds (2000 resamples: draw the training seeds with replacement, then each drawn seed's evaluation episodes with replacement; the statistic is the mean over training seeds of the mean over episodes). With one training seed an interval covers the evaluation seeds only, not how another training run would turn out. The fixed population has no training seeds: its intervals are over the evaluation seeds. Rates (undetected faults per task, shares) are per-episode ratios, averaged the same way.",
    '',
    '## Claims at a glance',
    '',
    '| question or claim | learned agents | fixed paper-heuristic |',
    '| --- | --- | --- |',
    `| 6.1: a setting with <= ${pct(INTEGRITY_BOUND)} undetected faults per task and >= ${pct(ACTIVE_BOUND, 0)} of operators active | ${feasibleCount(learned)} cells feasible | ${feasibleCount(fixed)} cells feasible |`,
    `| Fig. 2: moderate slashing maximises cumulative reward | ${verdictOf(r.fig2, LEARNED_POPULATION)} | ${verdictOf(r.fig2, BASELINE_POPULATION)} |`,
    `| Fig. 3: rewards across operators converge over time | ${verdictOf(r.fig3, LEARNED_POPULATION)} | ${verdictOf(r.fig3, BASELINE_POPULATION)} |`,
    '',
    '## Open question 6.1 with agents that choose',
    '',
    `**Question (paper 6.1):** which parameters tune slashing to deter misbehaviour while keeping participation? As in \`sweep-slashing\`, a cell is *feasible* when undetected faults (shirked tasks the fishermen missed) stay at or under ${pct(INTEGRITY_BOUND)} of tasks and at least ${pct(ACTIVE_BOUND, 0)} of operators are active at the end; here the coprocessors choose how often to shirk and the operators how much to delegate, so slashing can deter, not only eject.`,
    '',
    r.figs.frontier,
    '',
    '**Measured:**',
    '',
    answer(scale, points, LEARNED_POPULATION),
    answer(scale, points, BASELINE_POPULATION),
    '',
    table(points, outcomeKeys, true),
    '',
    '## What the agents chose',
    '',
    r.figs.choices,
    '',
    "Shirk probability: the coprocessors' chosen probability of shirking an accepted task (for paper-heuristic, the malicious tenth at `maliciousShirkRate`), mean over active coprocessors and periods. Bid markup: over the coprocessor's own break-even price (0 is truthful). Load - L*: mean coprocessor load minus the optimal load of the load curve (docs/MODEL.md, \"The optimal load curve\"). Self-executed share and eta (the operator's payment cap as a share of R): the operators' choices.",
    '',
    table(points, choiceKeys),
    '',
    '## Outcomes',
    '',
    r.figs.outcomes,
    '',
    'Mean price / R: the clearing price of delegated tasks over their reward. Profit per agent: episode profit per operator and per coprocessor (every slot, ejected ones included). Welfare: total episode profit of both roles (the cumulative reward of Fig. 2).',
    '',
    '## Fig. 2 re-tested: does moderate slashing maximise cumulative reward?',
    '',
    '**Paper (4.1.2):** moderate slashing factors give steady growth of cumulative rewards without significant drops in operator activity. With fixed populations (`experiment slashing`) the claim is about agents that cannot respond; here the learned agents are retrained at every sigma.',
    '',
    ...r.fig2.map((c) => `- ${c.text}`),
    '',
    '## Fig. 3 re-tested: do rewards across operators converge over time?',
    '',
    `**Paper (4.2):** rewards across operators are diverse at first and converge toward a more uniform distribution as periods progress. Measured in the evaluation episodes: the mean per-period Gini of the period profit across the operators active in the period, over the first and the last ${r.first.giniWindow} periods (the windows of \`experiment reward-distribution\`).`,
    '',
    ...r.fig3.map((c) => `- ${c.text}`),
    '',
    table(points, ['giniEarly', 'giniLate', 'giniChange', 'activeOperators']),
    '',
    `Data: [\`${r.data[0]}\`](${r.data[0]}) (per cell: mean and 95% interval of every metric, feasibility), [\`${r.data[1]}\`](${r.data[1]}) (every evaluation episode).`,
    '',
  ].join('\n');
}
