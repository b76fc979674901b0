/**
 * The observation layouts (docs/MODEL.md, "Observations, actions, rewards"):
 * one table per role, and everything else derived from it: the width, the
 * names, the bounds of the environment's observation space, the offset of each
 * entry by name (`OPERATOR_OBS.at.unit_cost`: what the simulator's writers and
 * the baselines index with), and the tables of docs/MODEL.md (a test checks
 * that the page shows them).
 *
 * A role's vector is its own entries, then the market entries shared by both
 * roles. The writers (`NetworkSim.writeOperatorObs` / `writeCoprocessorObs`)
 * assign every entry by its name's offset; a test checks that they write every
 * offset of the layout exactly once.
 */

const INF = Number.POSITIVE_INFINITY;

/** One entry of an observation vector. */
export interface ObsEntry {
  readonly name: string;
  readonly low: number;
  readonly high: number;
  /** What the entry holds (docs/MODEL.md's table). */
  readonly doc: string;
}

/** The market summary of the last period: the tail of both roles' observations (and the head of `env.state()`). */
export const MARKET_OBS = [
  { name: 'price_ratio', low: 0, high: 1, doc: 'mean price / R of the delegated tasks (0 with none)' },
  { name: 'delegated_share', low: 0, high: 1, doc: 'delegated tasks / tasks' },
  { name: 'unfilled_share', low: 0, high: 1, doc: 'auctioned, unsold and run by the operator / tasks' },
  { name: 'dropped_share', low: 0, high: 1, doc: 'dropped tasks / tasks' },
  {
    name: 'mean_coprocessor_load',
    low: 0,
    high: 1,
    doc: 'mean load of the coprocessors active in the period',
  },
  { name: 'demand', low: 0, high: INF, doc: 'tasks / `demand.meanTasks`' },
  { name: 'slashing_factor', low: 0, high: INF, doc: 'sigma (`slashing.factor`)' },
  { name: 'time', low: 0, high: 1, doc: 't / T' },
] as const satisfies readonly ObsEntry[];

/** An operator's own state, as of the last period. */
export const OPERATOR_OWN_OBS = [
  { name: 'capacity', low: 0, high: INF, doc: 'capacity r_i / mean operator capacity' },
  { name: 'capability', low: 0, high: 1, doc: 'capability a_i' },
  { name: 'balance', low: -INF, high: INF, doc: 'balance / `operators.stake`' },
  { name: 'reputation', low: 0, high: 1, doc: 'reputation rho_i = logistic(f_i)' },
  { name: 'load', low: 0, high: 1, doc: 'work it ran itself / r_i' },
  { name: 'unit_cost', low: 0, high: INF, doc: 'unit cost u_i / `tasks.rewardPerUnit`' },
  { name: 'profit', low: -INF, high: INF, doc: 'profit / (expected tasks x mean task reward)' },
  {
    name: 'failure_rate',
    low: 0,
    high: 1,
    doc: '1 - successes / settled tasks, dropped ones included (0 with none)',
  },
  {
    name: 'auction_fill_rate',
    low: 0,
    high: 1,
    doc: 'its auctions a coprocessor won / its auctions (1 with none)',
  },
  {
    name: 'tasks_seen',
    low: 0,
    high: INF,
    doc: 'tasks assigned / expected tasks (`demand.meanTasks` / N, at least 1)',
  },
  { name: 'self_share', low: 0, high: 1, doc: 'self-executed / tasks assigned (0 with none)' },
] as const satisfies readonly ObsEntry[];

/** A coprocessor's own state, as of the last period. */
export const COPROCESSOR_OWN_OBS = [
  { name: 'capacity', low: 0, high: INF, doc: 'capacity q_k / mean coprocessor capacity' },
  { name: 'capability', low: 0, high: 1, doc: 'capability b_k' },
  { name: 'balance', low: -INF, high: INF, doc: 'balance / `coprocessors.collateral`' },
  { name: 'reputation', low: 0, high: 1, doc: 'reputation rho_k = logistic(g_k)' },
  { name: 'load', low: 0, high: 1, doc: 'work accepted / q_k' },
  { name: 'alpha', low: -INF, high: INF, doc: 'GAS load parameter alpha_k (a filter: may leave [0, 1])' },
  { name: 'unit_cost', low: 0, high: INF, doc: 'unit cost u_k / `tasks.rewardPerUnit`' },
  { name: 'profit', low: -INF, high: INF, doc: 'profit / (expected tasks x mean task reward)' },
  {
    name: 'failure_rate',
    low: 0,
    high: 1,
    doc: '1 - successes / settled tasks, a detected shirk failing, an undetected one succeeding (0 with none)',
  },
  {
    name: 'win_rate',
    low: 0,
    high: 1,
    doc: 'auctions won / auctions it was eligible in before the scan stopped (0 with none)',
  },
  {
    name: 'tasks_won',
    low: 0,
    high: INF,
    doc: 'auctions won / expected tasks (`demand.meanTasks` / K, at least 1)',
  },
  { name: 'malicious', low: 0, high: 1, doc: 'its own private type: 1 malicious, 0 honest' },
] as const satisfies readonly ObsEntry[];

/** Everything derived from one role's table. */
export interface ObsLayout<Name extends string = string> {
  readonly role: 'operator' | 'coprocessor';
  /** The role's own entries, at offsets 0 .. own.length - 1; `MARKET_OBS` follows. */
  readonly own: readonly ObsEntry[];
  /** Every entry in order: the own ones, then `MARKET_OBS`. */
  readonly entries: readonly ObsEntry[];
  /** Width of the vector. */
  readonly dim: number;
  readonly names: readonly Name[];
  /** Bounds per entry (the observation space's Box). */
  readonly low: readonly number[];
  readonly high: readonly number[];
  /** Offset of each entry by name, e.g. `OPERATOR_OBS.at.unit_cost`. */
  readonly at: Readonly<Record<Name, number>>;
}

type NameOf<E extends readonly ObsEntry[]> = E[number]['name'];
export type MarketObsName = NameOf<typeof MARKET_OBS>;

function layout<const E extends readonly ObsEntry[]>(
  role: 'operator' | 'coprocessor',
  own: E,
): ObsLayout<NameOf<E> | MarketObsName> {
  const entries: readonly ObsEntry[] = Object.freeze([...own, ...MARKET_OBS]);
  const names = entries.map((e) => e.name) as (NameOf<E> | MarketObsName)[];
  const at = {} as Record<NameOf<E> | MarketObsName, number>;
  names.forEach((n, q) => {
    if (n in at) throw new Error(`observation layout of ${role}s: '${n}' appears twice`);
    at[n] = q;
  });
  return Object.freeze({
    role,
    own,
    entries,
    dim: entries.length,
    names: Object.freeze(names),
    low: Object.freeze(entries.map((e) => e.low)),
    high: Object.freeze(entries.map((e) => e.high)),
    at: Object.freeze(at),
  });
}

export const OPERATOR_OBS = layout('operator', OPERATOR_OWN_OBS);
export const COPROCESSOR_OBS = layout('coprocessor', COPROCESSOR_OWN_OBS);
export const MARKET_OBS_NAMES: readonly MarketObsName[] = Object.freeze(MARKET_OBS.map((e) => e.name));
/** Offset of each market entry within the market block (`NetworkSim.market`). */
export const MARKET_OBS_AT: Readonly<Record<MarketObsName, number>> = Object.freeze(
  Object.fromEntries(MARKET_OBS_NAMES.map((n, q) => [n, q])) as Record<MarketObsName, number>,
);

const fmtBound = (x: number) => (x === INF ? 'inf' : x === -INF ? '-inf' : String(x));

/** The bounds of an entry as an interval: [0, 1], [0, inf), (-inf, inf). */
export function boundsText(e: ObsEntry): string {
  return `${e.low === -INF ? '(' : '['}${fmtBound(e.low)}, ${fmtBound(e.high)}${e.high === INF ? ')' : ']'}`;
}

/**
 * A Markdown table of entries (offset, name, bounds, value), as docs/MODEL.md
 * shows it; `offset(q)` labels row q, under the heading `offsetHead`.
 */
export function observationTableMarkdown(
  entries: readonly ObsEntry[],
  offset: (q: number) => string = String,
  offsetHead = 'offset',
): string {
  const rows = entries.map((e, q) => [offset(q), `\`${e.name}\``, boundsText(e), e.doc]);
  const head = [offsetHead, 'name', 'bounds', 'value'];
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((x, c) => x.padEnd(width[c])).join(' | ')} |`;
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** docs/MODEL.md's three observation tables: operator own state, coprocessor own state, market. */
export function observationDocTables(): { operator: string; coprocessor: string; market: string } {
  const op = OPERATOR_OBS.own.length;
  const cp = COPROCESSOR_OBS.own.length;
  return {
    operator: observationTableMarkdown(OPERATOR_OBS.own),
    coprocessor: observationTableMarkdown(COPROCESSOR_OBS.own),
    market: observationTableMarkdown(MARKET_OBS, (q) => `${op + q} / ${cp + q}`, 'offset (op / cop)'),
  };
}
