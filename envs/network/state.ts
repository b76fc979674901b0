/**
 * The global state of the network for centralised critics (`env.state()`):
 * the market summary, then aggregates per role. Fixed size whatever the counts.
 * The table `STATE` gives each entry's bounds (the env's `stateSpace`) and
 * meaning (docs/MODEL.md, "Observations, actions, rewards").
 */
import { logistic } from '../../src/sim/gas.ts';
import type { NetworkSim } from '../../src/sim/network.ts';
import { MARKET_OBS, type ObsEntry, observationTableMarkdown } from '../../src/sim/observation.ts';

const INF = Number.POSITIVE_INFINITY;

/** Mean profit is per live agent, over the mean task's reward `tasks.rewardPerUnit x tasks.difficulty.median`. */
const PER_TASK = '`tasks.rewardPerUnit` x `tasks.difficulty.median`';

/** The entries of `env.state()`, in order: the market summary, then the per-role means over live agents (0 with none). */
export const STATE = [
  ...MARKET_OBS,
  { name: 'operator_active_share', low: 0, high: 1, doc: 'live operators / N' },
  { name: 'operator_mean_balance', low: -INF, high: INF, doc: 'mean balance / `operators.stake`' },
  { name: 'operator_mean_reputation', low: 0, high: 1, doc: 'mean reputation rho_i' },
  { name: 'operator_mean_load', low: 0, high: 1, doc: 'mean work run itself / r_i' },
  { name: 'operator_mean_profit', low: -INF, high: INF, doc: `mean profit in the period / (${PER_TASK})` },
  { name: 'coprocessor_active_share', low: 0, high: 1, doc: 'live coprocessors / K' },
  { name: 'coprocessor_mean_balance', low: -INF, high: INF, doc: 'mean balance / `coprocessors.collateral`' },
  { name: 'coprocessor_mean_reputation', low: 0, high: 1, doc: 'mean reputation rho_k' },
  { name: 'coprocessor_mean_load', low: 0, high: 1, doc: 'mean work accepted / q_k' },
  { name: 'coprocessor_mean_alpha', low: -INF, high: INF, doc: 'mean GAS load parameter alpha_k' },
  { name: 'coprocessor_mean_profit', low: -INF, high: INF, doc: `mean profit in the period / (${PER_TASK})` },
] as const satisfies readonly ObsEntry[];

export const STATE_NAMES: readonly (typeof STATE)[number]['name'][] = Object.freeze(STATE.map((e) => e.name));

export const STATE_DIM = STATE.length;

/** Bounds of each entry: the env's `stateSpace` is `Box(STATE_LOW, STATE_HIGH)`. */
export const STATE_LOW: readonly number[] = Object.freeze(STATE.map((e) => e.low));
export const STATE_HIGH: readonly number[] = Object.freeze(STATE.map((e) => e.high));

/** docs/MODEL.md's table of the state's entries after the market summary (offsets 8 on). */
export function stateDocTable(): string {
  const m = MARKET_OBS.length;
  return observationTableMarkdown(STATE.slice(m), (q) => String(m + q));
}

/** Write the state vector into `out` (STATE_DIM entries). Means are over live agents (0 when none). */
export function writeState(sim: NetworkSim, out: Float32Array): void {
  const s = sim.scenario;
  out.set(sim.market, 0);
  let o = sim.market.length;
  const perTask = Math.max(1e-9, s.tasks.rewardPerUnit * s.tasks.difficulty.median);
  let n = 0;
  let bal = 0;
  let rep = 0;
  let load = 0;
  let prof = 0;
  for (let i = 0; i < sim.nOps; i++) {
    if (!sim.opActive[i]) continue;
    n++;
    bal += sim.opBal[i];
    rep += logistic(sim.opRep[i]);
    load += sim.opUsed[i] / sim.opCap[i];
    prof += sim.opProfit[i];
  }
  const d = Math.max(1, n);
  out[o++] = sim.nOps > 0 ? n / sim.nOps : 0;
  out[o++] = bal / d / s.operators.stake;
  out[o++] = rep / d;
  out[o++] = load / d;
  out[o++] = prof / d / perTask;
  n = bal = rep = load = prof = 0;
  let alpha = 0;
  for (let k = 0; k < sim.nCops; k++) {
    if (!sim.cpActive[k]) continue;
    n++;
    bal += sim.cpBal[k];
    rep += logistic(sim.cpRep[k]);
    load += sim.cpLoad[k];
    alpha += sim.cpAlpha[k];
    prof += sim.cpProfit[k];
  }
  const e = Math.max(1, n);
  out[o++] = sim.nCops > 0 ? n / sim.nCops : 0;
  out[o++] = bal / e / s.coprocessors.collateral;
  out[o++] = rep / e;
  out[o++] = load / e;
  out[o++] = alpha / e;
  out[o++] = prof / e / perTask;
}
