/**
 * Per-period counters of the network (one reused object, no allocation per period).
 */
import type { Scenario } from './scenario.ts';
import type { NetworkSim } from './network.ts';

export class PeriodMetrics {
  period = 0;
  tasks = 0;
  selfExecuted = 0;
  delegated = 0;
  /** Auctioned, nobody accepted, the operator ran it. */
  fallback = 0;
  dropped = 0;
  /** Executed tasks that failed (a detected shirk included). */
  failures = 0;
  /**
   * Slashes: every time money was taken from an agent, whatever the reason
   * (the simulator's `slash` events). A failed self-executed task slashes its
   * operator; a failed delegated one (or a detected shirk) its coprocessor and
   * the operator; a dropped task its operator (liveness). So `slashes` is not
   * `failures`: it counts agents slashed, liveness included, and only where
   * there was money to take.
   */
  slashes = 0;
  /** Of `slashes`, the liveness penalties of operators for dropped tasks. */
  livenessSlashes = 0;
  shirks = 0;
  undetectedShirks = 0;
  priceRatioSum = 0;
  meanPriceRatio = 0;
  meanCoprocessorLoad = 0;
  activeOperators = 0;
  activeCoprocessors = 0;
  ejectedOperators = 0;
  ejectedCoprocessors = 0;
  operatorProfit = 0;
  coprocessorProfit = 0;
  /**
   * What the agents chose this period, averaged over the active ones: the
   * coprocessors' bid markup (their first action under the scoring mechanisms),
   * reservation / ask ratio psi (the same action under qualified-dutch and
   * reverse-dutch), load cap and shirk probability; the operators' eta (start
   * price or payment cap, a share of R) and risk threshold theta.
   */
  meanMarkup = 0;
  meanPsi = 0;
  meanKappa = 0;
  meanShirk = 0;
  meanEta = 0;
  meanTheta = 0;

  reset(): void {
    this.beginPeriod();
    this.period = 0;
    this.meanCoprocessorLoad = 0;
    this.activeOperators = 0;
    this.activeCoprocessors = 0;
  }

  beginPeriod(): void {
    this.tasks = this.selfExecuted = this.delegated = this.fallback = this.dropped = 0;
    this.failures = this.slashes = this.livenessSlashes = this.shirks = this.undetectedShirks = 0;
    this.priceRatioSum = this.meanPriceRatio = 0;
    this.ejectedOperators = this.ejectedCoprocessors = 0;
    this.operatorProfit = this.coprocessorProfit = 0;
  }

  finish(sim: NetworkSim, _s: Scenario): void {
    this.period = sim.t - 1;
    this.meanPriceRatio = this.delegated > 0 ? this.priceRatioSum / this.delegated : 0;
    let loadSum = 0;
    let nc = 0;
    let prof = 0;
    for (let k = 0; k < sim.nCops; k++) {
      prof += sim.cpProfit[k];
      if (sim.coprocessorInLastPeriod(k)) {
        loadSum += sim.cpLoad[k];
        nc++;
      }
    }
    this.coprocessorProfit = prof;
    this.meanCoprocessorLoad = nc > 0 ? loadSum / nc : 0;
    prof = 0;
    let na = 0;
    for (let i = 0; i < sim.nOps; i++) {
      prof += sim.opProfit[i];
      na += sim.opActive[i];
    }
    this.operatorProfit = prof;
    this.activeOperators = na;
    // Choices: the actions applied this period, by the agents active at its start.
    let eta = 0;
    let theta = 0;
    let nOp = 0;
    for (let i = 0; i < sim.nOps; i++) {
      if (!sim.opActive[i] && sim.opEjectedAt[i] !== sim.t - 1) continue;
      eta += sim.opEta[i];
      theta += sim.opTheta[i];
      nOp++;
    }
    this.meanEta = nOp > 0 ? eta / nOp : 0;
    this.meanTheta = nOp > 0 ? theta / nOp : 0;
    let mu = 0;
    let psi = 0;
    let kappa = 0;
    let shirk = 0;
    let nCp = 0;
    for (let k = 0; k < sim.nCops; k++) {
      if (!sim.cpActive[k] && sim.cpEjectedAt[k] !== sim.t - 1) continue;
      mu += sim.cpMarkup[k];
      psi += sim.cpPsi[k];
      kappa += sim.cpKappa[k];
      shirk += sim.cpShirk[k];
      nCp++;
    }
    this.meanMarkup = nCp > 0 ? mu / nCp : 0;
    this.meanPsi = nCp > 0 ? psi / nCp : 0;
    this.meanKappa = nCp > 0 ? kappa / nCp : 0;
    this.meanShirk = nCp > 0 ? shirk / nCp : 0;
    let nk = 0;
    for (let k = 0; k < sim.nCops; k++) nk += sim.cpActive[k];
    this.activeCoprocessors = nk;
  }

  /** A plain-object copy (for CSV rows and JSON). */
  toRow(): Record<string, number> {
    return {
      period: this.period,
      tasks: this.tasks,
      self_executed: this.selfExecuted,
      delegated: this.delegated,
      fallback: this.fallback,
      dropped: this.dropped,
      failures: this.failures,
      slashes: this.slashes,
      liveness_slashes: this.livenessSlashes,
      shirks: this.shirks,
      undetected_shirks: this.undetectedShirks,
      mean_price_ratio: this.meanPriceRatio,
      mean_coprocessor_load: this.meanCoprocessorLoad,
      active_operators: this.activeOperators,
      active_coprocessors: this.activeCoprocessors,
      ejected_operators: this.ejectedOperators,
      ejected_coprocessors: this.ejectedCoprocessors,
      operator_profit: this.operatorProfit,
      coprocessor_profit: this.coprocessorProfit,
      mean_markup: this.meanMarkup,
      mean_psi: this.meanPsi,
      mean_kappa: this.meanKappa,
      mean_shirk: this.meanShirk,
      mean_eta: this.meanEta,
      mean_theta: this.meanTheta,
    };
  }
}
