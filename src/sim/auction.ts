/**
 * Auction mechanisms (paper 3.2.2; SPEC section 4), behind one interface so
 * that mechanisms can be compared on the same seeds. Each `run` is a single
 * O(#coprocessors) scan per task: the clock is never simulated tick by tick.
 */
import type { NetworkSim } from './network.ts';

export interface AuctionMechanism {
  readonly name: string;
  /** Called once per period before the tasks, after reputations are refreshed; `order` as in `run`. */
  beginPeriod(sim: NetworkSim, order: Int32Array): void;
  /**
   * Auction task j for an operator whose start/ceiling ratio is `eta`. `order`
   * lists coprocessors by descending reputation. Returns the winner (and writes
   * the price to `sim.tPrice[j]`) or -1 when nobody accepts.
   */
  run(sim: NetworkSim, j: number, eta: number, order: Int32Array): number;
  /** Called after the simulator booked task capacity on the winner k. */
  accepted(sim: NetworkSim, k: number): void;
}

export type MechanismName = 'qualified-dutch' | 'reverse-dutch';

export function makeAuction(name: MechanismName): AuctionMechanism {
  switch (name) {
    case 'qualified-dutch':
      return new QualifiedDutch();
    case 'reverse-dutch':
      return new ReverseDutch();
  }
}

/**
 * Whether coprocessor k can take task j at all: active, capable, with free
 * capacity and collateral, and under its own load cap after taking it
 * (`cpLoadCap` = min(1, kappa): capacity is a load of 1).
 * Returns its load after taking the task, or -1 when it is not eligible.
 */
function eligibleLoad(sim: NetworkSim, k: number, d: number, c: number, need: number): number {
  if (!sim.cpActive[k] || sim.cpCapab[k] < c) return -1;
  const load = (sim.cpUsed[k] + d) * sim.cpInvCap[k];
  return load > sim.cpLoadCap[k] || sim.cpFreeCollateral[k] < need ? -1 : load;
}

/**
 * `qualified-dutch`: a descending clock p_m = eta R (1 - m/M). Coprocessor k
 * qualifies once p_m <= Q_kj = R (base + (1 - base) rho_k^e (1 - load_k)), so
 * well-reputed, lightly loaded coprocessors get the first right at the higher
 * prices; it accepts at its first qualifying price if that is >= psi_k R. The
 * earliest acceptance wins; ties by reputation, then by the seeded generator.
 */
// Fields of one coprocessor's row in QualifiedDutch's packed table.
const F_CAPAB = 0;
const F_USED = 1;
const F_INVCAP = 2;
const F_LOADCAP = 3;
const F_FREECOLL = 4;
const F_QUALREP = 5;
const F_PSI = 6;
const F_RHO = 7;
const STRIDE = 8;

export class QualifiedDutch implements AuctionMechanism {
  readonly name = 'qualified-dutch';
  /**
   * One row of STRIDE numbers per coprocessor, rows in reputation order, so
   * that the scan reads memory sequentially. Only the winner's used capacity
   * and free collateral change within a period; `accepted` keeps them in step.
   */
  private table = new Float64Array(0);
  /** key[r]: rank r's qualification ratio at its current load, before the task's own difficulty (an upper bound). */
  private key = new Float64Array(0);
  /** sufKey[r]: the largest key among ranks >= r; keys only fall within a period. */
  private sufKey = new Float64Array(0);
  /**
   * sufW[r]: the smallest (1 - base) rho^e / capacity among ranks >= r. A task of
   * difficulty d lowers every qualification by at least d * sufW[r], which tightens the bound.
   */
  private sufW = new Float64Array(0);
  /** Rank of each coprocessor in the reputation order. */
  private rank = new Int32Array(0);
  private order: Int32Array<ArrayBufferLike> = new Int32Array(0);

  beginPeriod(sim: NetworkSim, order: Int32Array): void {
    const a = sim.scenario.auction;
    const K = sim.nCops;
    if (this.rank.length !== K) {
      this.table = new Float64Array(K * STRIDE);
      this.key = new Float64Array(K);
      this.rank = new Int32Array(K);
      this.sufKey = new Float64Array(K + 1);
      this.sufW = new Float64Array(K + 1);
    }
    this.order = order;
    const { table, key, sufKey } = this;
    for (let r = 0; r < K; r++) {
      const k = order[r];
      this.rank[k] = r;
      const o = r * STRIDE;
      const active = sim.cpActive[k] === 1;
      const qualRep = (1 - a.qualificationBase) * sim.cpRho[k] ** a.qualificationReputationExponent;
      // An inactive coprocessor gets capability -inf: below every task, never eligible.
      table[o + F_CAPAB] = active ? sim.cpCapab[k] : Number.NEGATIVE_INFINITY;
      table[o + F_USED] = sim.cpUsed[k];
      table[o + F_INVCAP] = sim.cpInvCap[k];
      table[o + F_LOADCAP] = sim.cpLoadCap[k];
      table[o + F_FREECOLL] = sim.cpFreeCollateral[k];
      table[o + F_QUALREP] = qualRep;
      table[o + F_PSI] = sim.cpPsi[k];
      table[o + F_RHO] = sim.cpRho[k];
      key[r] = active
        ? a.qualificationBase + qualRep * (1 - sim.cpUsed[k] * sim.cpInvCap[k])
        : Number.NEGATIVE_INFINITY;
    }
    sufKey[K] = Number.NEGATIVE_INFINITY;
    for (let r = K - 1; r >= 0; r--) sufKey[r] = Math.max(key[r], sufKey[r + 1]);
    const sufW = this.sufW;
    sufW[K] = Number.POSITIVE_INFINITY;
    for (let r = K - 1; r >= 0; r--) {
      const o = r * STRIDE;
      const w =
        key[r] === Number.NEGATIVE_INFINITY
          ? Number.POSITIVE_INFINITY
          : table[o + F_QUALREP] * table[o + F_INVCAP];
      sufW[r] = Math.min(w, sufW[r + 1]);
    }
  }

  accepted(sim: NetworkSim, k: number): void {
    const r0 = this.rank[k];
    const o = r0 * STRIDE;
    const { table, key, sufKey } = this;
    table[o + F_USED] = sim.cpUsed[k];
    table[o + F_FREECOLL] = sim.cpFreeCollateral[k];
    key[r0] =
      sim.scenario.auction.qualificationBase +
      table[o + F_QUALREP] * (1 - sim.cpUsed[k] * table[o + F_INVCAP]);
    // The key only fell: refresh the suffix maxima above it until they stop changing.
    for (let r = r0; r >= 0; r--) {
      const v = key[r] > sufKey[r + 1] ? key[r] : sufKey[r + 1];
      if (r < r0 && v === sufKey[r]) break;
      sufKey[r] = v;
    }
  }

  run(sim: NetworkSim, j: number, eta: number, _order?: Int32Array): number {
    if (!(eta > 0)) return -1;
    const a = sim.scenario.auction;
    const M = a.steps;
    const base = a.qualificationBase;
    const d = sim.tD[j];
    const c = sim.tC[j];
    const need = a.collateralRatio * sim.tS[j];
    const invEta = 1 / eta;
    const { table, sufKey, sufW, order } = this;
    const eligible = sim.cpEligible;
    const K = this.rank.length;
    let bestR = -1;
    let bestM = M;
    let bestRho = -1;
    let ties = 0;
    // A coprocessor whose qualification ratio is below qBetter cannot accept
    // before the best step so far (before any acceptance: at all). Slightly
    // conservative, so rounding never stops the scan too early.
    let qBetter = eta / M - 1e-9;
    for (let r = 0, o = 0; r < K; r++, o += STRIDE) {
      const rho = table[o + F_RHO];
      // Reputation falls along the ranks: past the best one, only an earlier step
      // can win, and sufKey bounds the qualification of everyone from here on.
      if (rho < bestRho && sufKey[r] - d * sufW[r] < qBetter) break;
      if (table[o + F_CAPAB] < c) continue;
      const load = (table[o + F_USED] + d) * table[o + F_INVCAP];
      if (load > table[o + F_LOADCAP] || table[o + F_FREECOLL] < need) continue;
      eligible[order[r]]++;
      const q = base + table[o + F_QUALREP] * (1 - load);
      const m = q >= eta ? 0 : Math.ceil(M * (1 - q * invEta) - 1e-9);
      if (m >= M || m > bestM || eta * (1 - m / M) < table[o + F_PSI]) continue;
      if (m < bestM || rho > bestRho) {
        bestR = r;
        bestM = m;
        bestRho = rho;
        ties = 1;
        qBetter = eta * (1 - (m - 1 + 1e-6) / M) - 1e-9;
      } else if (rho === bestRho) {
        // Reservoir choice among exact ties: each tied coprocessor wins with probability 1/ties.
        ties++;
        if (sim.rng.next() * ties < 1) bestR = r;
      }
    }
    if (bestR < 0) return -1;
    sim.tPrice[j] = eta * sim.tR[j] * (1 - bestM / M);
    return this.order[bestR];
  }
}

/**
 * `reverse-dutch`: the payment rises from a floor f0 R to the operator's
 * ceiling eta R in M steps; the first coprocessor whose reservation psi_k R is
 * met takes the task (the lowest ask wins); ties by reputation, then the generator.
 */
export class ReverseDutch implements AuctionMechanism {
  readonly name = 'reverse-dutch';

  beginPeriod(): void {}

  accepted(): void {}

  run(sim: NetworkSim, j: number, eta: number, order: Int32Array): number {
    if (!(eta > 0)) return -1;
    const a = sim.scenario.auction;
    const M = a.steps;
    const floor = Math.min(a.reverseFloor, eta);
    const span = eta - floor;
    const d = sim.tD[j];
    const c = sim.tC[j];
    const need = a.collateralRatio * sim.tS[j];
    let best = -1;
    let bestM = M;
    let bestRho = -1;
    let ties = 0;
    for (let r = 0; r < order.length; r++) {
      const k = order[r];
      if (eligibleLoad(sim, k, d, c, need) < 0) continue;
      sim.cpEligible[k]++;
      const psi = sim.cpPsi[k];
      let m: number;
      if (psi <= floor) m = 0;
      else if (psi > eta || span <= 0 || M === 1) continue;
      else m = Math.ceil(((psi - floor) / span) * (M - 1) - 1e-9);
      if (m > M - 1) continue;
      const rho = sim.cpRho[k];
      if (m < bestM || (m === bestM && rho > bestRho)) {
        best = k;
        bestM = m;
        bestRho = rho;
        ties = 1;
      } else if (m === bestM && rho === bestRho) {
        ties++;
        if (sim.rng.next() * ties < 1) best = k;
      }
    }
    if (best >= 0) sim.tPrice[j] = sim.tR[j] * (M === 1 ? eta : floor + (span * bestM) / (M - 1));
    return best;
  }
}
