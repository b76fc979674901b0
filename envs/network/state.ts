/**
 * The global state of the network for centralised critics (`env.state()`):
 * the market summary, then aggregates per role. Fixed size whatever the counts.
 */
import { logistic } from '../../src/sim/gas.ts';
import type { NetworkSim } from '../../src/sim/network.ts';
import { MARKET_OBS_NAMES } from '../../src/sim/observation.ts';

export const STATE_NAMES = [
  ...MARKET_OBS_NAMES,
  'operator_active_share',
  'operator_mean_balance',
  'operator_mean_reputation',
  'operator_mean_load',
  'operator_mean_profit',
  'coprocessor_active_share',
  'coprocessor_mean_balance',
  'coprocessor_mean_reputation',
  'coprocessor_mean_load',
  'coprocessor_mean_alpha',
  'coprocessor_mean_profit',
] as const;

export const STATE_DIM = STATE_NAMES.length;

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
