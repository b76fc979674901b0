/**
 * Auction mechanisms (paper 2.2-2.3 and 3.2.2; docs/MODEL.md, "The auction"),
 * behind one interface so that mechanisms can be compared on the same seeds.
 * Each `run` is a single O(#coprocessors) scan per task that allocates
 * nothing: a clock is never simulated tick by tick.
 */
import type { Mechanism, ScoringMechanism } from './scenario.ts';
import { overloadRisk, slashAmplifier } from './load-curve.ts';
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
  /** Called after the simulator booked task j's capacity and collateral on the winner k (price in `sim.tPrice[j]`). */
  accepted(sim: NetworkSim, k: number, j: number): void;
}

/** A mechanism's name: `MECHANISMS` in scenario.ts. */
export type MechanismName = Mechanism;

export function makeAuction(name: MechanismName): AuctionMechanism {
  switch (name) {
    case 'scoring-dutch':
    case 'first-price':
    case 'second-price':
      return new ScoringAuction(name);
    case 'qualified-dutch':
      return new QualifiedDutch();
    case 'reverse-dutch':
      return new ReverseDutch();
  }
}

/**
 * Whether coprocessor k can take task j at all: active, capable, with free
 * capacity and collateral, and under its own load cap after taking it
 * (`cpKappa`, in [0, 1]: capacity is a load of 1).
 * Returns its load after taking the task, or -1 when it is not eligible.
 */
function eligibleLoad(sim: NetworkSim, k: number, d: number, c: number, need: number): number {
  if (!sim.cpActive[k] || sim.cpCapab[k] < c) return -1;
  const load = (sim.cpUsed[k] + d) * sim.cpInvCap[k];
  return load > sim.cpKappa[k] || sim.cpFreeCollateral[k] < need ? -1 : load;
}

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

/**
 * `qualified-dutch`: a descending clock p_m = eta R (1 - m/M). Coprocessor k
 * qualifies once p_m <= Q_kj = R (base + (1 - base) rho_k^e (1 - load_k)), so
 * well-reputed, lightly loaded coprocessors get the first right at the higher
 * prices; it accepts at its first qualifying price if that is >= psi_k R. The
 * earliest acceptance wins; ties by reputation, then by the seeded generator.
 */
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
      table[o + F_LOADCAP] = sim.cpKappa[k];
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

// Fields of one coprocessor's row in ScoringAuction's packed table.
const S_CAPAB = 0;
const S_USED = 1;
const S_INVCAP = 2;
const S_LOADCAP = 3;
const S_FREECOLL = 4;
const S_RHO = 5;
const S_COST = 6;
const S_FACTOR = 7;
/** Sums over the tasks k holds this period: (1 - eps) p, (1 - eps) Z and Z, Z = sigma chi S. */
const S_HELD_PAY = 8;
const S_HELD_OKZ = 9;
const S_HELD_Z = 10;
const S_STRIDE = 11;

/**
 * The scoring auctions (docs/MODEL.md, "The auction"): the operator ranks
 * coprocessors by its expected surplus s = V - b, from public information and
 * k's load L' after taking the task:
 *
 *   P_op  = rho_k (1 - phi(L'))                    the operator's estimate of success
 *   V     = P_op R - (1 - P_op) (sigma S - share * sigma chi S m(L'))
 *
 * and coprocessor k bids b = (1 + mu_k) c / P, a markup mu_k (its action) over
 * its break-even price, from its own success probability P = (1 - eps)(1 - phi(L'))
 * and expected cost
 *
 *   c = u_k d + (1 - P) sigma chi S m(L') + Delta,
 *
 * Delta being what the load L' costs the tasks k already holds this period (they
 * settle at the period's final load): its expected earnings on them at its load
 * now minus at L' (0 while L' <= L*). The price is paid only on success, so
 * mu = 0 is the truthful bid: the price at which k expects to break even.
 * A bid above the operator's cap eta R or with a negative score is not eligible.
 *
 * - `scoring-dutch`: a clock on the surplus the operator demands, z_m = R (1 - m/M),
 *   m = 0..M; at step m coprocessor k is offered min(eta R, V_k - z_m) and accepts
 *   at the first step where that is >= b_k, i.e. m_k = ceil(M (1 - s_k / R)). The
 *   earliest acceptance wins and is paid its offer; ties by reputation, then the generator.
 * - `first-price`: the highest score wins and is paid its bid; ties as above.
 * - `second-price`: the highest score wins and is paid min(eta R, V_w - max(s_2, 0)),
 *   the bid at which its score would equal the runner-up's (Che 1993).
 *
 * The scan visits coprocessors in ascending order of (1 + mu_k) u_k, the lowest
 * a bid can be per unit of difficulty, and stops once no one left can matter:
 * every later score is at most maxRho R + G - (1 + mu_r) u_r d, where maxRho is
 * the largest reputation from there on and G bounds what the operator's refund
 * on failure can add. Those bounds use only per-period quantities, so loads
 * changing within a period never invalidate the order.
 */
export class ScoringAuction implements AuctionMechanism {
  readonly name: ScoringMechanism;
  private table = new Float64Array(0);
  /** lowBid[r]: (1 + mu) u of rank r (+inf when inactive): a bid is at least lowBid d. */
  private lowBid = new Float64Array(0);
  /** sufRho[r]: the largest reputation among active ranks >= r. */
  private sufRho = new Float64Array(0);
  private rank = new Int32Array(0);
  private order = new Int32Array(0);
  /** `order`'s sort keys, by coprocessor index. */
  private sortKey = new Float64Array(0);
  private readonly byKey = (a: number, b: number) => this.sortKey[a] - this.sortKey[b] || a - b;

  constructor(kind: ScoringMechanism) {
    this.name = kind;
  }

  beginPeriod(sim: NetworkSim, _order: Int32Array): void {
    const K = sim.nCops;
    if (this.rank.length !== K) {
      this.table = new Float64Array(K * S_STRIDE);
      this.lowBid = new Float64Array(K);
      this.sufRho = new Float64Array(K + 1);
      this.rank = new Int32Array(K);
      this.order = new Int32Array(K);
      this.sortKey = new Float64Array(K);
    }
    const { table, lowBid, sufRho, order, sortKey } = this;
    for (let k = 0; k < K; k++) {
      order[k] = k;
      sortKey[k] = sim.cpActive[k] ? (1 + sim.cpMarkup[k]) * sim.cpCost[k] : Number.POSITIVE_INFINITY;
    }
    order.sort(this.byKey);
    for (let r = 0; r < K; r++) {
      const k = order[r];
      this.rank[k] = r;
      const o = r * S_STRIDE;
      const active = sim.cpActive[k] === 1;
      table[o + S_CAPAB] = active ? sim.cpCapab[k] : Number.NEGATIVE_INFINITY;
      table[o + S_USED] = sim.cpUsed[k];
      table[o + S_INVCAP] = sim.cpInvCap[k];
      table[o + S_LOADCAP] = sim.cpKappa[k];
      table[o + S_FREECOLL] = sim.cpFreeCollateral[k];
      table[o + S_RHO] = sim.cpRho[k];
      table[o + S_COST] = sim.cpCost[k];
      table[o + S_FACTOR] = 1 + sim.cpMarkup[k];
      table[o + S_HELD_PAY] = 0;
      table[o + S_HELD_OKZ] = 0;
      table[o + S_HELD_Z] = 0;
      lowBid[r] = sortKey[k];
    }
    sufRho[K] = Number.NEGATIVE_INFINITY;
    for (let r = K - 1; r >= 0; r--) {
      const rho =
        lowBid[r] === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : table[r * S_STRIDE + S_RHO];
      sufRho[r] = rho > sufRho[r + 1] ? rho : sufRho[r + 1];
    }
  }

  accepted(sim: NetworkSim, k: number, j: number): void {
    const o = this.rank[k] * S_STRIDE;
    const { table } = this;
    const sc = sim.scenario;
    const ok = 1 - sim.tEps[j];
    const Z = sc.slashing.factor * sc.auction.collateralRatio * sim.tS[j];
    table[o + S_USED] = sim.cpUsed[k];
    table[o + S_FREECOLL] = sim.cpFreeCollateral[k];
    table[o + S_HELD_PAY] += ok * sim.tPrice[j];
    table[o + S_HELD_OKZ] += ok * Z;
    table[o + S_HELD_Z] += Z;
  }

  run(sim: NetworkSim, j: number, eta: number, _order?: Int32Array): number {
    if (!(eta > 0)) return -1;
    const sc = sim.scenario;
    const lc = sc.loadCurve;
    const Ls = lc.optimalLoad;
    const phiMax = sc.execution.overloadRisk;
    const ampB = lc.b;
    const d = sim.tD[j];
    const c = sim.tC[j];
    const R = sim.tR[j];
    const sigmaS = sc.slashing.factor * sim.tS[j];
    const chiSigmaS = sigmaS * sc.auction.collateralRatio;
    const share = sc.slashing.operatorShare;
    const need = sc.auction.collateralRatio * sim.tS[j];
    const okEps = 1 - sim.tEps[j];
    const cap = eta * R;
    // What the refund on failure can add to V beyond rho R (0 unless the refund can exceed the operator's slash).
    const G = Math.max(0, -(sigmaS - share * chiSigmaS * (1 + ampB)));
    const tol = 1e-9 * R;
    const M = sc.auction.steps;
    const kind = this.name;
    const dutch = kind === 'scoring-dutch';
    const { table, lowBid, sufRho, order } = this;
    const eligible = sim.cpEligible;
    const K = order.length;
    let bestR = -1;
    let bestS = Number.NEGATIVE_INFINITY;
    let bestV = 0;
    let bestB = 0;
    let bestRho = -1;
    let bestM = M + 1;
    let secondS = Number.NEGATIVE_INFINITY;
    let ties = 0;
    // A score below `floor` cannot win (nor, under second-price, set the price).
    let floor = 0;
    for (let r = 0, o = 0; r < K; r++, o += S_STRIDE) {
      if (sufRho[r] * R + G - lowBid[r] * d + tol < floor) break;
      if (table[o + S_CAPAB] < c) continue;
      const used = table[o + S_USED];
      const load = (used + d) * table[o + S_INVCAP];
      if (load > table[o + S_LOADCAP] || table[o + S_FREECOLL] < need) continue;
      eligible[order[r]]++;
      let phi = 0;
      let amp = 1;
      let delta = 0;
      if (load > Ls) {
        phi = overloadRisk(load, Ls, phiMax);
        amp = slashAmplifier(load, lc);
        // Delta: the held tasks' expected earnings (1 - phi)(pay + m okZ) - m Z at the load now, minus at L'.
        const heldZ = table[o + S_HELD_Z];
        if (heldZ > 0) {
          const pay = table[o + S_HELD_PAY];
          const okZ = table[o + S_HELD_OKZ];
          const now = used * table[o + S_INVCAP];
          const phi0 = overloadRisk(now, Ls, phiMax);
          const amp0 = slashAmplifier(now, lc);
          delta =
            (1 - phi0) * (pay + amp0 * okZ) - amp0 * heldZ - ((1 - phi) * (pay + amp * okZ) - amp * heldZ);
        }
      }
      const rho = table[o + S_RHO];
      const pOp = rho * (1 - phi);
      const pTrue = okEps * (1 - phi);
      const cpSlash = chiSigmaS * amp;
      const V = pOp * R - (1 - pOp) * (sigmaS - share * cpSlash);
      const b = (table[o + S_FACTOR] * (table[o + S_COST] * d + (1 - pTrue) * cpSlash + delta)) / pTrue;
      const s = V - b;
      // Not eligible: above the operator's cap, a negative score, or no bid at all (P = 0).
      if (!(b <= cap) || !(s >= 0)) continue;
      let better: boolean;
      let tied: boolean;
      let m = 0;
      if (dutch) {
        m = s >= R ? 0 : Math.ceil(M * (1 - s / R) - 1e-9);
        if (m < 0) m = 0;
        better = m < bestM || (m === bestM && rho > bestRho);
        tied = m === bestM && rho === bestRho;
      } else {
        better = s > bestS || (s === bestS && rho > bestRho);
        tied = s === bestS && rho === bestRho;
      }
      if (better) {
        if (kind === 'second-price') secondS = bestS;
        bestR = r;
        bestS = s;
        bestV = V;
        bestB = b;
        bestRho = rho;
        bestM = m;
        ties = 1;
      } else if (tied) {
        // Reservoir choice among exact ties: each tied coprocessor wins with probability 1/ties.
        if (kind === 'second-price') secondS = s;
        ties++;
        if (sim.rng.next() * ties < 1) {
          bestR = r;
          bestV = V;
          bestB = b;
        }
      } else if (s > secondS) secondS = s;
      if (dutch) floor = R * (1 - bestM / M);
      else if (kind === 'first-price') floor = bestS;
      else floor = secondS > 0 ? secondS : 0;
    }
    if (bestR < 0) return -1;
    let price: number;
    if (dutch) price = Math.min(cap, bestV - R * (1 - bestM / M));
    else if (kind === 'first-price') price = bestB;
    else price = Math.min(cap, bestV - (secondS > 0 ? secondS : 0));
    sim.tPrice[j] = price;
    return order[bestR];
  }
}
