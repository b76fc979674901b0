/**
 * The evaluation report: Markdown tables (per role, and the mixed market) and
 * JSON. Date-free, so the same inputs give byte-identical files.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../src/core/atomic.ts';
import type { Role } from '../../src/sim/policy.ts';
import type { EvaluationResult, MetricDef, PopulationRow } from './evaluate.ts';
import { METRICS } from './evaluate.ts';
import type { Interval, MetricSummary } from './stats.ts';
import { exploitMarkdown } from '../exploit.ts';

const ROLE_TITLE = { operator: 'Operators', coprocessor: 'Coprocessors' } as const;

function fmt(x: number, kind: MetricDef['kind']): string {
  if (!Number.isFinite(x)) return String(x);
  if (kind === 'rate') return `${(100 * x).toFixed(1)}%`;
  if (kind === 'ratio') return (Math.abs(x) < 0.0005 ? 0 : x).toFixed(3);
  const v = Math.abs(x) < 0.05 ? 0 : x; // no "-0.0"
  return v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function cell(value: number, ci: Interval, kind: MetricDef['kind'], best: boolean): string {
  const s = `${fmt(value, kind)} [${fmt(ci[0], kind)}, ${fmt(ci[1], kind)}]`;
  return best ? `**${s}**` : s;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Indices of the best rows for one metric (none when every row ties). */
function bestRows(values: number[], better: MetricDef['better']): Set<number> {
  if (better === 'none') return new Set();
  const best = better === 'higher' ? Math.max(...values) : Math.min(...values);
  const idx = values.flatMap((v, i) => (v === best ? [i] : []));
  return new Set(idx.length === values.length ? [] : idx);
}

function roleTable(role: Role, rows: PopulationRow[], stat: 'mean' | 'iqm'): string {
  const ciKey = stat === 'mean' ? 'meanCi' : 'iqmCi';
  const metrics = METRICS.filter((m) => !m.roles || m.roles.includes(role));
  const best = metrics.map((m) =>
    bestRows(
      rows.map((r) => r.metrics[m.key][stat]),
      m.better,
    ),
  );
  return table(
    ['population', ...metrics.map((m) => m.label)],
    rows.map((r, i) => [
      r.population,
      ...metrics.map((m, j) => {
        const s: MetricSummary = r.metrics[m.key];
        return cell(s[stat], s[ciKey], m.kind, best[j].has(i));
      }),
    ]),
  );
}

/** The report as Markdown. */
export function formatMarkdown(res: EvaluationResult): string {
  const pct = Math.round(res.bootstrap.confidence * 100);
  const learned = Object.entries(res.learned).map(([r, n]) => `${r} \`${n}\``);
  const out: string[] = [
    '# copronet evaluation',
    '',
    `- scenario${res.scenarios.length > 1 ? 's' : ''}: ${res.scenarios.join(', ')}`,
    `- held-out seeds (${res.seeds.length}): ${res.seeds.join(', ')}`,
    `- reference policy: ${res.reference}`,
    `- other role plays: ${res.other === 'learned' ? 'the learned policy' : `the reference (${res.reference})`}`,
    `- learned: ${learned.length > 0 ? learned.join(', ') : 'none (baselines only)'}`,
    `- intervals: ${pct}% stratified bootstrap, percentile method, ${res.bootstrap.reps} resamples (seed ${res.bootstrap.seed}); runs = seeds, strata = scenarios`,
    '- best row per metric in bold (no mark when every row ties)',
    ...res.notes.map((n) => `- ${n}`),
  ];
  if (res.verdicts.length > 0) {
    out.push('', `## Verdict: profit per agent, learned vs every baseline, ${pct}% intervals apart`, '');
    const say = (ok: boolean, not: readonly string[]) =>
      ok ? 'yes' : `no (not separately above ${not.join(', ')})`;
    for (const v of res.verdicts) {
      const name = ROLE_TITLE[v.role].toLowerCase();
      out.push(`- ${name}, as a population: ${say(v.populations, v.populationsNotBeaten)}`);
      if (v.mixed !== undefined) {
        out.push(`- ${name}, as half of the mixed market: ${say(v.mixed, v.mixedNotBeaten ?? [])}`);
      }
    }
  }
  for (const t of res.tables) {
    const title = `${ROLE_TITLE[t.role]} (the other role plays ${t.other})`;
    out.push('', `## ${title}: mean [${pct}% CI]`, '', roleTable(t.role, t.rows, 'mean'));
    out.push('', `## ${title}: IQM [${pct}% CI]`, '', roleTable(t.role, t.rows, 'iqm'));
  }
  for (const t of res.tables) {
    const row = t.rows.find((r) => r.learned && r.slots);
    if (!row?.slots) continue;
    const [a, b] = t.role === 'operator' ? ['eta', 'self-executed'] : ['bid', 'shirk prob.'];
    const name = t.role === 'operator' ? 'operator' : 'coprocessor';
    const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
    out.push(
      '',
      `## What the learned ${name}s chose, per slot (mean over the held-out seeds, the other role playing ${t.other})`,
      '',
      table(
        ['', ...row.slots.first.map((_, k) => `${name}_${k}`)],
        [
          [a, ...row.slots.first.map(f3)],
          [b, ...row.slots.second.map(f3)],
        ],
      ),
    );
  }
  if (res.mixed.length > 0) {
    for (const role of ['operator', 'coprocessor'] as const) {
      const rows = res.mixed.filter((m) => m.role === role);
      if (rows.length === 0) continue;
      out.push(
        '',
        `## Mixed market, ${ROLE_TITLE[role].toLowerCase()}: learned half vs baseline half, profit per agent, mean [${pct}% CI]`,
        '',
        table(
          ['baseline', 'learned half', 'baseline half', 'learned - baseline', 'CIs overlap'],
          rows.map((m) => {
            const lb = m.learned.mean > m.baselineHalf.mean;
            const bl = m.baselineHalf.mean > m.learned.mean;
            return [
              m.baseline,
              cell(m.learned.mean, m.learned.meanCi, 'amount', lb),
              cell(m.baselineHalf.mean, m.baselineHalf.meanCi, 'amount', bl),
              cell(m.difference.mean, m.difference.meanCi, 'amount', false),
              m.overlap ? 'yes' : 'no',
            ];
          }),
        ),
      );
    }
    out.push(
      '',
      'Each seed runs twice (learned policy in slots 0..n/2-1, then in the other slots) and averages the two, so slot attributes favour neither side.',
    );
  }
  out.push('', '## Metrics', '', ...METRICS.map((m) => `- ${m.label}: ${m.doc}`), '');
  if (res.exploit) {
    // The exploitability results `copronet exploit` saved for the run, one level down.
    out.push(exploitMarkdown(res.exploit.results, 'Exploitability').replace(/^# /, '## '));
  }
  return out.join('\n');
}

/** The report as JSON text (stable key order, no dates). */
export function formatJson(res: EvaluationResult): string {
  return `${JSON.stringify(res, null, 2)}\n`;
}

/** Write `eval.md` and `eval.json` atomically into `dir`; returns their paths. */
export function writeReport(res: EvaluationResult, dir: string): { markdown: string; json: string } {
  const markdown = join(dir, 'eval.md');
  const json = join(dir, 'eval.json');
  writeFileAtomic(markdown, formatMarkdown(res));
  writeJsonAtomic(json, res);
  return { markdown, json };
}
