/**
 * Fig. 5: the operator -> coprocessor task-flow network of one episode as a
 * weighted bipartite graph: operators on the left, coprocessors on the right,
 * both sorted by volume; node size by volume, edge width and opacity by tasks.
 */
import type { NetworkResult } from './lib/cells.ts';
import { type Experiment, figure, fmt, pct, reportSection, writeCsv } from './lib/context.ts';
import { networkConfigNote, networkRuns, networkSpecs } from './lib/network.ts';
import { gini } from './lib/stats.ts';
import { catalogEntry } from './catalog.ts';

/** Edges drawn (the heaviest); the CSV keeps them all. */
export const MAX_DRAWN_EDGES = 600;

export interface FlowGraph {
  nodes: {
    role: 'operator' | 'coprocessor';
    id: number;
    volume: number;
    x: number;
    y: number;
    malicious: number;
  }[];
  edges: { op: number; cop: number; tasks: number; x: number; y: number; x2: number; y2: number }[];
  total: number;
}

/** Lay out the bipartite graph: two columns, nodes ranked by volume (rank 0 at the top). */
export function flowGraph(
  flows: ArrayLike<number>,
  nOps: number,
  nCops: number,
  malicious: ArrayLike<number> = [],
): FlowGraph {
  const out = new Array<number>(nOps).fill(0);
  const inn = new Array<number>(nCops).fill(0);
  let total = 0;
  for (let i = 0; i < nOps; i++) {
    for (let k = 0; k < nCops; k++) {
      const f = flows[i * nCops + k];
      out[i] += f;
      inn[k] += f;
      total += f;
    }
  }
  const rank = (v: number[]) => {
    const order = v.map((_, i) => i).sort((a, b) => v[b] - v[a] || a - b);
    const r = new Array<number>(v.length);
    order.forEach((i, q) => {
      r[i] = v.length > 1 ? 1 - q / (v.length - 1) : 0.5;
    });
    return r;
  };
  const yo = rank(out);
  const yc = rank(inn);
  const nodes: FlowGraph['nodes'] = [
    ...out.map((v, i) => ({ role: 'operator' as const, id: i, volume: v, x: 0, y: yo[i], malicious: 0 })),
    ...inn.map((v, k) => ({
      role: 'coprocessor' as const,
      id: k,
      volume: v,
      x: 1,
      y: yc[k],
      malicious: malicious[k] ?? 0,
    })),
  ];
  const edges: FlowGraph['edges'] = [];
  for (let i = 0; i < nOps; i++) {
    for (let k = 0; k < nCops; k++) {
      const f = flows[i * nCops + k];
      if (f > 0) edges.push({ op: i, cop: k, tasks: f, x: 0, y: yo[i], x2: 1, y2: yc[k] });
    }
  }
  edges.sort((a, b) => b.tasks - a.tasks || a.op - b.op || a.cop - b.cop);
  return { nodes, edges, total };
}

export const taskFlowExperiment: Experiment = {
  ...catalogEntry('task-flow'),
  cells: networkSpecs,
  async analyse(ctx, get) {
    const edgeRows: Record<string, number | string>[] = [];
    const nodeRows: Record<string, number | string>[] = [];
    const drawnEdges: Record<string, number | string>[] = [];
    const drawnNodes: Record<string, number | string>[] = [];
    const measured: string[] = [];
    const seed = ctx.seeds[0];
    for (const pop of ctx.populations) {
      const r: NetworkResult = networkRuns(ctx, pop, get)[0];
      const g = flowGraph(r.flows, r.nOps, r.nCops, r.cpMalicious);
      for (const e of g.edges)
        edgeRows.push({ population: pop.label, seed, operator: e.op, coprocessor: e.cop, tasks: e.tasks });
      for (const n of g.nodes) {
        const row = {
          population: pop.label,
          seed,
          role: n.role,
          id: n.id,
          volume: n.volume,
          x: n.x,
          y: n.y,
          malicious: n.malicious,
        };
        nodeRows.push(row);
        drawnNodes.push({
          ...row,
          kind: n.role === 'operator' ? 'operator' : n.malicious ? 'malicious coprocessor' : 'coprocessor',
        });
      }
      for (const e of g.edges.slice(0, MAX_DRAWN_EDGES)) drawnEdges.push({ population: pop.label, ...e });
      const top = Math.max(1, Math.ceil(0.1 * g.edges.length));
      const topShare = g.edges.slice(0, top).reduce((s, e) => s + e.tasks, 0) / Math.max(1, g.total);
      const cops = g.nodes.filter((n) => n.role === 'coprocessor');
      const ops = g.nodes.filter((n) => n.role === 'operator');
      const malShare =
        cops.filter((n) => n.malicious).reduce((s, n) => s + n.volume, 0) / Math.max(1, g.total);
      const maxCop = Math.max(...cops.map((n) => n.volume)) / Math.max(1, g.total);
      const idle = cops.filter((n) => n.volume === 0).length;
      measured.push(
        `- ${pop.label} (seed ${seed}): ${fmt(g.total)} delegated tasks over ${g.edges.length} of ${r.nOps * r.nCops} possible operator-coprocessor pairs; the heaviest 10% of edges carry ${pct(topShare)} of the tasks. Gini of coprocessor volume ${fmt(gini(cops.map((n) => n.volume)))} (largest coprocessor ${pct(maxCop)}, ${idle} with no task), of operator volume ${fmt(gini(ops.map((n) => n.volume)))}; malicious coprocessors took ${pct(malShare)} of the tasks.`,
      );
    }
    const csvE = writeCsv(ctx, 'fig5-task-flow-edges', edgeRows);
    const csvN = writeCsv(ctx, 'fig5-task-flow-nodes', nodeRows);
    const pops = ctx.populations.map((p) => p.label);
    const panels = pops.map((label) => ({
      ...(pops.length > 1 ? { title: label } : {}),
      width: 420,
      height: 560,
      layer: [
        {
          data: { values: drawnEdges.filter((e) => e.population === label) },
          mark: { type: 'rule', color: '#3182bd' },
          encoding: {
            x: { field: 'x', type: 'quantitative', axis: null, scale: { domain: [-0.15, 1.15] } },
            y: { field: 'y', type: 'quantitative', axis: null, scale: { domain: [-0.03, 1.03] } },
            x2: { field: 'x2' },
            y2: { field: 'y2' },
            strokeWidth: {
              field: 'tasks',
              type: 'quantitative',
              scale: { range: [0.2, 4] },
              title: 'tasks (edge)',
            },
            opacity: { field: 'tasks', type: 'quantitative', scale: { range: [0.08, 0.8] }, legend: null },
          },
        },
        {
          data: { values: drawnNodes.filter((n) => n.population === label) },
          mark: { type: 'circle', stroke: 'white', strokeWidth: 0.5, opacity: 0.95 },
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'y', type: 'quantitative' },
            size: {
              field: 'volume',
              type: 'quantitative',
              scale: { range: [8, 400] },
              title: 'tasks (node)',
            },
            color: {
              field: 'kind',
              type: 'nominal',
              title: null,
              legend: { labelLimit: 300 },
              scale: {
                domain: ['operator', 'coprocessor', 'malicious coprocessor'],
                range: ['#756bb1', '#31a354', '#de2d26'],
              },
            },
          },
        },
        {
          data: {
            values: [
              { x: 0, label: 'operators' },
              { x: 1, label: 'coprocessors' },
            ],
          },
          mark: { type: 'text', fontSize: 13, fontWeight: 'bold', dy: -8 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { datum: 1.03 }, text: { field: 'label' } },
        },
      ],
    }));
    const title = {
      text: 'Fig. 5: operator -> coprocessor task flows',
      subtitle: `seed ${seed}; heaviest ${MAX_DRAWN_EDGES} edges drawn; nodes sorted by volume (top = most tasks)`,
    };
    const spec = (
      panels.length === 1
        ? { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, ...panels[0] }
        : { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, hconcat: panels }
    ) as never;
    const fig = await figure(ctx, 'fig5-task-flow', spec);
    const markdown = reportSection(ctx, {
      claims: [
        '**Paper (4.4):** a network diagram of the tasks operators delegate to coprocessors, coloured by volume; it shows how tasks flow and how allocation is spread across the system (no quantitative claim).',
      ],
      figures: [fig],
      measuredNote: 'descriptive; the paper states no testable claim',
      measured,
      config: networkConfigNote(ctx),
      data: `Data: \`${csvE}\` (every edge with tasks > 0), \`${csvN}\` (nodes with their layout).`,
    });
    return { title: 'Fig. 5: operator-coprocessor task-flow network', markdown };
  },
};
