/**
 * Auction mechanisms (paper 2.2-2.3 and 3.2.2; docs/MODEL.md, "The auction"),
 * behind one interface so that mechanisms can be compared on the same seeds.
 * Each `run` is a single scan per task, over at most every coprocessor, that
 * allocates nothing: a clock is never simulated tick by tick.
 */
import type { Mechanism, ScoringMechanism } from './scenario.ts';
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
  /** Called after the period's last task: adds what the scans counted to `sim.cpEligible`. */
  endPeriod(sim: NetworkSim): void;
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

  endPeriod(): void {}

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

  endPeriod(): void {}

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

/**
 * Sort `idx` in place by key[idx[i]], ascending (or descending), ties by index:
 * the order `idx.sort((a, b) => key[a] - key[b] || a - b)` gives, for keys
 * without NaN. An insertion sort from idx's current order, usually last
 * period's and nearly sorted already, with no comparator to call (and no
 * number to box per comparison); a comparator sort if it would shift too much.
 */
export function sortByKey(idx: Int32Array, key: Float64Array, descending = false): void {
  const n = idx.length;
  let budget = 16 * n + 64;
  for (let p = 1; p < n; p++) {
    const a = idx[p];
    const ka = key[a];
    let q = p - 1;
    for (; q >= 0; q--) {
      const b = idx[q];
      const kb = key[b];
      // Does a go before b?
      if (!(descending ? ka > kb : ka < kb) && !(ka === kb && a < b)) break;
      idx[q + 1] = b;
      if (--budget < 0) {
        idx[q] = a;
        idx.sort(descending ? (x, y) => key[y] - key[x] || x - y : (x, y) => key[x] - key[y] || x - y);
        return;
      }
    }
    idx[q + 1] = a;
  }
}

/** The number of set bits of a 32-bit word. */
function bitCount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

/**
 * Coprocessors sorted by one number, with the set of the first n of them as a
 * bitset for every n (`pre`, one bit per scan rank, 32 to a word): `count` says
 * how many have a value >= t, and `pre` which ones, a few words to copy. `update`
 * moves one coprocessor when its value changes (a win lowers its room) and
 * rewrites only the prefixes between its old and new place.
 */
class ThresholdIndex {
  /** Values in descending order, and the scan rank at each position. */
  readonly val: Float64Array;
  readonly who: Int32Array;
  /** Position of each rank. */
  private readonly pos: Int32Array;
  /** The order at the last build. */
  private readonly built: Int32Array;
  /** pre[n * words + w]: word w of the set of ranks at positions < n. */
  readonly pre: Int32Array;
  private readonly words: number;
  /**
   * A guide to `count`: edge[g] = lo + g (hi - lo) / G over the finite values
   * at the last build, and guide[g] = how many values are >= edge[g], kept
   * exact by `update`. A query starts from its bucket's count.
   */
  private readonly edge: Float64Array;
  private readonly guide: Int32Array;
  private readonly buckets: number;
  private lo = 0;
  private invWidth = 0;

  /** `buckets` per value: a finer guide makes `count` cheaper and `update` dearer. */
  constructor(n: number, words: number, buckets = 2) {
    this.val = new Float64Array(n);
    this.who = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.built = Int32Array.from({ length: n }, (_, r) => r);
    this.pre = new Int32Array((n + 1) * words);
    this.words = words;
    this.buckets = Math.max(16, buckets * n);
    this.edge = new Float64Array(this.buckets + 1);
    this.guide = new Int32Array(this.buckets + 1);
  }

  /** Sort ranks 0..n-1 by `values[rank]`, descending (no NaN), and rebuild the prefixes and the guide. */
  build(values: Float64Array): void {
    const { val, who, pos, pre, words, edge, guide, buckets: G } = this;
    const n = who.length;
    // Sorted from the order of the last build (the identity at first), not from where `update` left it.
    sortByKey(this.built, values, true);
    who.set(this.built);
    pre.fill(0, 0, words);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let p = 0; p < n; p++) {
      const r = who[p];
      const v = values[r];
      val[p] = v;
      pos[r] = p;
      const o = (p + 1) * words;
      pre.copyWithin(o, o - words, o);
      pre[o + (r >> 5)] |= 1 << (r & 31);
      if (v > Number.NEGATIVE_INFINITY && v < Number.POSITIVE_INFINITY) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!(lo < hi)) {
      lo = hi > Number.NEGATIVE_INFINITY && hi < Number.POSITIVE_INFINITY ? hi : 0;
      hi = lo;
    }
    this.lo = lo;
    this.invWidth = hi > lo ? G / (hi - lo) : 0;
    const width = (hi - lo) / G;
    for (let g = 0, p = 0; g <= G; g++) {
      edge[g] = g === G ? hi : lo + g * width;
      while (p < n && val[p] >= edge[g]) p++;
      while (p > 0 && val[p - 1] < edge[g]) p--;
      guide[g] = p;
    }
  }

  /**
   * How many values are >= t = ts[i]: from the guide's count for t's bucket, then a step or two along
   * the values. (The threshold comes in an array: a call that is not inlined would box a number argument.)
   */
  count(ts: Float64Array, i: number): number {
    const t = ts[i];
    const { val, guide, edge } = this;
    const G = this.buckets;
    const n = val.length;
    let p: number;
    if (!(t > edge[0])) p = guide[0];
    else if (t > edge[G]) p = guide[G];
    else {
      const g = Math.floor((t - this.lo) * this.invWidth);
      p = guide[g < 0 ? 0 : g >= G ? G : g + 1];
    }
    while (p < n && val[p] >= t) p++;
    while (p > 0 && val[p - 1] < t) p--;
    return p;
  }

  /**
   * Rank r's value is now values[r]: move it to its place among the others, and keep the guide's counts.
   * (The value comes in an array: a call that is not inlined would box a number argument.)
   */
  update(r: number, values: Float64Array): void {
    const v = values[r];
    const { val, who, pos, pre, words } = this;
    let p = pos[r];
    const old = val[p];
    const bit = 1 << (r & 31);
    const wr = r >> 5;
    // Lower: the ranks after it with a larger value move up one place; the prefixes in between lose r and gain them.
    while (p + 1 < val.length && val[p + 1] > v) {
      const q = who[p + 1];
      val[p] = val[p + 1];
      who[p] = q;
      pos[q] = p;
      const o = (p + 1) * words;
      pre[o + wr] &= ~bit;
      pre[o + (q >> 5)] |= 1 << (q & 31);
      p++;
    }
    // Raise (not needed by the simulator, where values only fall within a period).
    while (p > 0 && val[p - 1] < v) {
      const q = who[p - 1];
      val[p] = val[p - 1];
      who[p] = q;
      pos[q] = p;
      const o = p * words;
      pre[o + (q >> 5)] &= ~(1 << (q & 31));
      pre[o + wr] |= bit;
      p--;
    }
    val[p] = v;
    who[p] = r;
    pos[r] = p;
    // The edges in (min, max] of the old and new value count r no more (it fell) or now (it rose).
    const a = v < old ? v : old;
    const b = v < old ? old : v;
    const step = v < old ? -1 : 1;
    const { edge, guide } = this;
    const G = this.buckets;
    let g = a > edge[0] ? Math.floor((a - this.lo) * this.invWidth) : 0;
    if (!(g >= 0)) g = 0;
    if (g > G) g = G;
    while (g > 0 && edge[g - 1] > a) g--;
    while (g <= G && !(edge[g] > a)) g++;
    for (; g <= G && edge[g] <= b; g++) guide[g] += step;
  }
}

// Slots of ScoringAuction's scratch `tk` (numbers passed through an array: a call that is not inlined
// would box them).
const T_Q0 = 0;
const T_Q1 = 1;
const T_SIZE = 2;

/** Markets up to this many coprocessors use the eligibility index (its bitsets take K^2 / 8 bytes per index). */
const MAX_INDEXED = 4096;

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
/** What k expects to earn on the tasks it holds if the period ended at its load now: the first half of Delta. */
const S_HELD_NOW = 11;
const S_STRIDE = 12;

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
 * The scan (docs/MODEL.md, "The auction") visits coprocessors in ascending
 * order of (1 + mu_k) u_k, the lowest a bid can be per unit of difficulty, and
 * stops once no one left can matter: every later score is at most
 * maxRho R + G - (1 + mu_r) u_r d, where maxRho is the largest reputation from
 * there on and G bounds what the operator's refund on failure can add. Those
 * bounds use only per-period quantities, so loads changing within a period never
 * invalidate the order. It visits only the eligible coprocessors, from an index
 * kept exact as loads change (`eligibleMask`; or only the capable ones, checking
 * rooms as it goes, where rooms rarely bind); since only an eligible one moves
 * the floor and the bound falls along the order, it stops where a scan of every
 * coprocessor would, and counts the same ones as eligible (`cpEligible`). Before
 * pricing a coprocessor's bid it skips one whose bid is surely above the cap (its
 * lowest, (1 + mu) u d / (1 - eps); from there on every later one's is too, and the
 * scan only counts eligibility up to its stop), then compares an upper bound on its score with the
 * floor (under scoring-dutch, one clock step higher for a coprocessor reputed
 * below the best so far): the score with Delta >= 0 left out (exact up to L*),
 * or above L* with Delta and m(L') at its bounds. Every skip leaves a margin far
 * above rounding, so each winner, price and generator draw is the one the plain
 * scan (`indexed: false`) finds.
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
  /** Whether `run` may use the eligibility index (else, and for markets too large for it, the plain scan). */
  private readonly useIndex: boolean;
  /** Whether the index is built for this period. */
  private indexed = false;
  /** Words of a rank bitset. */
  private words = 0;
  /** Two eligibility conditions as threshold indices over the ranks: capability and room. */
  private capIdx = new ThresholdIndex(0, 0);
  private roomIdx = new ThresholdIndex(0, 0);
  /** The smallest free collateral of an active rank: a task needing no more finds every rank's enough. */
  private minColl = 0;
  /** room[r] = kappa / (1 / capacity) - used: the difficulty rank r can still take (up to `roomTol`). */
  private room = new Float64Array(0);
  /** capab[r]: rank r's capability (-inf when inactive), the other index's values. */
  private capab = new Float64Array(0);
  /** Below this distance from a task's difficulty a room is rechecked exactly (rounding). */
  private roomTol = 0;
  /**
   * Whether the room index is in use this period. Where rooms rarely bind (coprocessors loading
   * themselves to capacity rather than to a cap below it) it costs more to keep than it saves: the scan
   * then checks each capable coprocessor's room as it visits it. Decided per period from how many
   * capable coprocessors lacked room in the last one (`roomMisses`, sampled every 16th auction), or
   * fixed by the `roomIndex` option.
   */
  private roomMode = true;
  private readonly roomChoice: boolean | undefined;
  private roomMisses = 0;
  private roomSamples = 0;
  private auctions = 0;
  /** The ranks eligible for the task being auctioned, as a bitset. */
  private mask = new Int32Array(0);
  /** Bounds on x^c for x in [0, 1], c = `loadCurve.c`: x^c <= x^powUp (2: x^2, 1: x, 0: 1 for x > 0), >= x^powLo (2: x^2, 0: 0). */
  private powUp = 0;
  private powLo = 0;
  /** c = 2: both bounds are m(L') itself. */
  private exactAmp = false;
  /** 1 / (1 - L*). */
  private invSpan = 1;
  /** clock[m + 1] = 1 - m / M for m = -1..M + 1: the scoring-dutch floor's factor at step m, as `run` computed it. */
  private clock = new Float64Array(0);
  /** The thresholds `eligibleMask` queries the indices with (`T_*`). */
  private readonly tk = new Float64Array(T_SIZE);
  /** elig[r]: this period's auctions that found rank r eligible before stopping (added to `cpEligible` by rank). */
  private elig = new Int32Array(0);

  /**
   * `indexed: false` always runs the plain scan; `roomIndex` true or false always (or never) uses the
   * room index (the tests compare them all).
   */
  constructor(kind: ScoringMechanism, opts: { indexed?: boolean; roomIndex?: boolean } = {}) {
    this.name = kind;
    this.useIndex = opts.indexed ?? true;
    this.roomChoice = opts.roomIndex;
  }

  beginPeriod(sim: NetworkSim, _order: Int32Array): void {
    const K = sim.nCops;
    if (this.rank.length !== K) {
      this.table = new Float64Array(K * S_STRIDE);
      this.lowBid = new Float64Array(K);
      this.sufRho = new Float64Array(K + 1);
      this.rank = new Int32Array(K);
      this.order = Int32Array.from({ length: K }, (_, k) => k);
      this.sortKey = new Float64Array(K);
      this.elig = new Int32Array(K);
      this.room = new Float64Array(K);
      this.capab = new Float64Array(K);
      this.words = (K + 31) >> 5;
      if (this.useIndex && K <= MAX_INDEXED) {
        // Capabilities do not change within a period: a fine guide costs nothing to keep.
        this.capIdx = new ThresholdIndex(K, this.words, 8);
        this.roomIdx = new ThresholdIndex(K, this.words);
        this.mask = new Int32Array(this.words);
      }
    }
    const { table, lowBid, sufRho, order, sortKey } = this;
    for (let k = 0; k < K; k++) {
      sortKey[k] = sim.cpActive[k] ? (1 + sim.cpMarkup[k]) * sim.cpCost[k] : Number.POSITIVE_INFINITY;
    }
    // From last period's order: by sortKey, ties by index.
    sortByKey(order, sortKey);
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
      this.refreshNow(sim, o);
    }
    sufRho[K] = Number.NEGATIVE_INFINITY;
    for (let r = K - 1; r >= 0; r--) {
      const rho =
        lowBid[r] === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : table[r * S_STRIDE + S_RHO];
      sufRho[r] = rho > sufRho[r + 1] ? rho : sufRho[r + 1];
    }
    this.elig.fill(0);
    const curve = sim.scenario.loadCurve.c;
    this.powUp = curve >= 2 ? 2 : curve >= 1 ? 1 : 0;
    this.powLo = curve <= 2 ? 2 : 0;
    this.exactAmp = curve === 2;
    this.invSpan = 1 / (1 - sim.scenario.loadCurve.optimalLoad);
    const M = sim.scenario.auction.steps;
    if (this.clock.length !== M + 3) this.clock = new Float64Array(M + 3);
    for (let m = -1; m <= M + 1; m++) this.clock[m + 1] = 1 - m / M;
    // Four capable coprocessors short of room per task make the index worth its upkeep.
    this.roomMode = this.roomChoice ?? (this.roomSamples === 0 || this.roomMisses >= 4 * this.roomSamples);
    this.roomMisses = 0;
    this.roomSamples = 0;
    this.indexed = this.useIndex && K <= MAX_INDEXED && this.buildIndex(K);
  }

  /** Build the eligibility index for this period; false (the plain scan) when a value is NaN. */
  private buildIndex(K: number): boolean {
    const { table, room } = this;
    const col = this.capab;
    let maxCap = 0;
    let minColl = Number.POSITIVE_INFINITY;
    for (let r = 0, o = 0; r < K; r++, o += S_STRIDE) {
      col[r] = table[o + S_CAPAB];
      if (col[r] > Number.NEGATIVE_INFINITY && table[o + S_FREECOLL] < minColl)
        minColl = table[o + S_FREECOLL];
      const cap = 1 / table[o + S_INVCAP];
      if (cap > maxCap) maxCap = cap;
      room[r] = table[o + S_LOADCAP] / table[o + S_INVCAP] - table[o + S_USED];
      if (Number.isNaN(col[r] + room[r] + table[o + S_FREECOLL])) return false;
    }
    if (!(maxCap < Number.POSITIVE_INFINITY)) return false;
    this.roomTol = 1e-9 * maxCap;
    this.minColl = minColl;
    this.capIdx.build(col);
    if (this.roomMode) this.roomIdx.build(room);
    return true;
  }

  /**
   * Write the set of ranks eligible for task j (capable, room for d under the load cap, free
   * collateral >= need) to `mask`. Exactly the plain scan's tests: a room within `roomTol` of d is
   * rechecked with the scan's own expression.
   */
  private eligibleMask(sim: NetworkSim, j: number): void {
    // Task j's numbers read here, not passed: a call that is not inlined would box them.
    const d = sim.tD[j];
    const c = sim.tC[j];
    const need = sim.scenario.auction.collateralRatio * sim.tS[j];
    const { mask, table, words: W, capIdx, roomIdx, tk } = this;
    tk[T_Q1] = c;
    const capPre = capIdx.pre;
    const oc = capIdx.count(tk, T_Q1) * W;
    const sample = (this.auctions++ & 15) === 0;
    if (this.roomMode) {
      tk[T_Q0] = d + this.roomTol;
      const sure = roomIdx.count(tk, T_Q0);
      const roomPre = roomIdx.pre;
      const or = sure * W;
      for (let w = 0; w < W; w++) mask[w] = roomPre[or + w];
      const { val, who } = roomIdx;
      for (let p = sure; p < val.length && val[p] >= d - this.roomTol; p++) {
        const r = who[p];
        const o = r * S_STRIDE;
        if (!((table[o + S_USED] + d) * table[o + S_INVCAP] > table[o + S_LOADCAP]))
          mask[r >> 5] |= 1 << (r & 31);
      }
      if (sample) {
        this.roomSamples++;
        for (let w = 0; w < W; w++) this.roomMisses += bitCount(capPre[oc + w] & ~mask[w]);
      }
      for (let w = 0; w < W; w++) mask[w] &= capPre[oc + w];
    } else {
      for (let w = 0; w < W; w++) mask[w] = capPre[oc + w];
      if (sample) {
        this.roomSamples++;
        for (let w = 0, base = 0; w < W; w++, base += 32) {
          for (let bits = mask[w]; bits !== 0; ) {
            const low = bits & -bits;
            bits ^= low;
            const o = (base + 31 - Math.clz32(low)) * S_STRIDE;
            if ((table[o + S_USED] + d) * table[o + S_INVCAP] > table[o + S_LOADCAP]) this.roomMisses++;
          }
        }
      }
    }
    // Free collateral rarely binds (a task locks a small share of it): check each rank only when it may.
    if (!(need <= this.minColl)) {
      for (let w = 0, base = 0; w < W; w++, base += 32) {
        for (let bits = mask[w]; bits !== 0; ) {
          const low = bits & -bits;
          bits ^= low;
          if (table[(base + 31 - Math.clz32(low)) * S_STRIDE + S_FREECOLL] < need) mask[w] ^= low;
        }
      }
    }
  }

  /** Row o's held-task number at its load now (`S_HELD_NOW`), after the held sums changed. */
  private refreshNow(sim: NetworkSim, o: number): void {
    const { table } = this;
    const sc = sim.scenario;
    const now = table[o + S_USED] * table[o + S_INVCAP];
    const lc = sc.loadCurve;
    const Ls = lc.optimalLoad;
    let phi0 = 0;
    let amp0 = 1;
    if (now > Ls) {
      // overloadRisk and slashAmplifier (load-curve.ts), operation for operation.
      const x = Math.min(1, (now - Ls) / (1 - Ls));
      phi0 = sc.execution.overloadRisk * x * x;
      const v = -lc.b * (lc.c === 2 ? x * x : x ** lc.c);
      amp0 = v < 0 ? 1 - v : 1;
    }
    const pay = table[o + S_HELD_PAY];
    const okZ = table[o + S_HELD_OKZ];
    const Z = table[o + S_HELD_Z];
    // The held tasks' expected earnings at the load now, (1 - phi)(pay + m okZ) - m Z, as `run` computes them
    // for Delta (phi = 0 and m = 1 exactly up to L*).
    table[o + S_HELD_NOW] = (1 - phi0) * (pay + amp0 * okZ) - amp0 * Z;
  }

  accepted(sim: NetworkSim, k: number, j: number): void {
    const r = this.rank[k];
    const o = r * S_STRIDE;
    const { table } = this;
    const sc = sim.scenario;
    const ok = 1 - sim.tEps[j];
    const Z = sc.slashing.factor * sc.auction.collateralRatio * sim.tS[j];
    table[o + S_USED] = sim.cpUsed[k];
    table[o + S_FREECOLL] = sim.cpFreeCollateral[k];
    table[o + S_HELD_PAY] += ok * sim.tPrice[j];
    table[o + S_HELD_OKZ] += ok * Z;
    table[o + S_HELD_Z] += Z;
    this.refreshNow(sim, o);
    if (this.indexed) {
      const room = table[o + S_LOADCAP] / table[o + S_INVCAP] - table[o + S_USED];
      const coll = table[o + S_FREECOLL];
      if (Number.isNaN(room + coll)) {
        this.indexed = false;
        return;
      }
      this.room[r] = room;
      if (this.roomMode) this.roomIdx.update(r, this.room);
      if (coll < this.minColl) this.minColl = coll;
    }
  }

  endPeriod(sim: NetworkSim): void {
    const { elig, order } = this;
    for (let r = 0; r < elig.length; r++) sim.cpEligible[order[r]] += elig[r];
    elig.fill(0);
  }

  run(sim: NetworkSim, j: number, eta: number, _order?: Int32Array): number {
    if (!(eta > 0)) return -1;
    const sc = sim.scenario;
    const lc = sc.loadCurve;
    const Ls = lc.optimalLoad;
    const phiMax = sc.execution.overloadRisk;
    const ampB = lc.b;
    const curve = lc.c;
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
    const { table, lowBid, sufRho, order, elig, clock } = this;
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
    // Under scoring-dutch ties on the step go to the better reputed: a coprocessor reputed below the best
    // so far must reach an earlier step, a score of at least `floorUp` (elsewhere floorUp = floor).
    let floorUp = 0;
    // The prefilter's bound on the score: Delta (>= 0) left out, the rest exact at loads up to L*.
    const X1 = sigmaS - share * chiSigmaS;
    const invOk = 1 / okEps;
    const epsChiOk = (1 - okEps) * chiSigmaS * invOk;
    const dOk = d * invOk;
    // The cap with a margin far above rounding, for the bid's lower bound.
    const capHi = cap * (1 + 1e-9);
    const margin = 1e-7 * (R + sigmaS + chiSigmaS * (1 + ampB));
    const { powUp, powLo, exactAmp, invSpan } = this;
    // The ranks to visit, in scan order, 32 at a time: the eligible ones from the index, or every rank
    // (then checked here).
    const indexed = this.indexed && !Number.isNaN(c + d + need);
    const roomMode = this.roomMode;
    if (indexed) this.eligibleMask(sim, j);
    const mask = this.mask;
    scan: for (let w = 0, base = 0; base < K; w++, base += 32) {
      // Without the index every rank is visited (and checked below).
      let bits = indexed ? mask[w] : K - base >= 32 ? -1 : (1 << (K - base)) - 1;
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const r = base + 31 - Math.clz32(low);
        // Only an eligible rank can move the floor, and the bound falls along the ranks: stopping at the
        // first eligible rank below the floor stops where a scan of every rank would have.
        if (sufRho[r] * R + G - lowBid[r] * d + tol < floor) break scan;
        const o = r * S_STRIDE;
        const used = table[o + S_USED];
        const load = (used + d) * table[o + S_INVCAP];
        if (indexed) {
          // Without the room index the mask says capable (and collateral): the room is checked here.
          if (!roomMode && load > table[o + S_LOADCAP]) continue;
        } else if (table[o + S_CAPAB] < c || load > table[o + S_LOADCAP] || table[o + S_FREECOLL] < need)
          continue;
        elig[r]++;
        // Skip a coprocessor whose bid is surely above the cap: b >= (1 + mu) u d / (1 - eps), since
        // P <= 1 - eps and the slash and Delta terms are >= 0.
        if (lowBid[r] * dOk > capHi) {
          // Every later rank's lowest bid is at least this one's (the scan's order), so none can be priced
          // or move the floor: with the mask exact, what is left is counting the eligible ranks up to the stop.
          if (indexed && roomMode) {
            for (;;) {
              while (bits !== 0) {
                const next = bits & -bits;
                bits ^= next;
                const q = base + 31 - Math.clz32(next);
                if (sufRho[q] * R + G - lowBid[q] * d + tol < floor) break scan;
                elig[q]++;
              }
              w++;
              base += 32;
              if (base >= K) break scan;
              bits = mask[w];
            }
          }
          continue;
        }
        const rho = table[o + S_RHO];
        const F = table[o + S_FACTOR];
        // Skip a coprocessor whose score is surely below the floor (a bound without Delta, exact up to L*).
        const cut = (rho < bestRho ? floorUp : floor) - margin;
        if (load <= Ls) {
          if (rho * R - (1 - rho) * X1 - lowBid[r] * dOk - F * epsChiOk < cut) continue;
        } else {
          // The score with m(L') at whichever of its bounds for this load raises it (the score, Delta
          // included, is linear in m; at c = 2 both bounds are m(L')), plus what rounding can move the held
          // tasks' terms by.
          const x = Math.min(1, (load - Ls) * invSpan);
          const xx = x * x;
          const phiB = phiMax * xx;
          const pay = table[o + S_HELD_PAY];
          const okZ = table[o + S_HELD_OKZ];
          const heldZ = table[o + S_HELD_Z];
          const pOpB = rho * (1 - phiB);
          // 1 / P. At c = 2 the score's weight on it is -F (u d + chi sigma S m + Delta) <= 0, so a lower
          // bound keeps the bound (and 1 + phi + phi^2 + phi^3 <= 1 / (1 - phi) needs no division).
          const invP = exactAmp ? invOk * (1 + phiB * (1 + phiB * (1 + phiB))) : invOk / (1 - phiB);
          // s = base + m k: V - b with b = F (u d + (1 - P) chi sigma S m + Delta) / P written out in m.
          const base =
            pOpB * R -
            (1 - pOpB) * sigmaS -
            F * invP * (table[o + S_COST] * d + table[o + S_HELD_NOW] - (1 - phiB) * pay);
          const kB =
            chiSigmaS * ((1 - pOpB) * share - F * (invP - 1)) + F * invP * ((1 - phiB) * okZ - heldZ);
          const up = 1 + ampB * (powUp === 2 ? xx : powUp === 1 ? x : 1);
          const lo = 1 + ampB * (powLo === 2 ? xx : 0);
          const ub =
            base + (kB > 0 ? up * kB : lo * kB) + 1e-12 * F * invP * (pay + (1 + ampB) * (okZ + heldZ));
          if (ub < cut) continue;
        }
        let phi = 0;
        let amp = 1;
        let delta = 0;
        if (load > Ls) {
          // overloadRisk and slashAmplifier (load-curve.ts), operation for operation (x^2 is exactly x * x).
          const x = Math.min(1, (load - Ls) / (1 - Ls));
          phi = phiMax * x * x;
          const v = -ampB * (curve === 2 ? x * x : x ** curve);
          amp = v < 0 ? 1 - v : 1;
          // Delta: the held tasks' expected earnings (1 - phi)(pay + m okZ) - m Z at the load now, minus at L'.
          // Held tasks show in pay or Z (Z alone is 0 without slashing, sigma = 0, yet the tasks' pay is at risk).
          const heldZ = table[o + S_HELD_Z];
          const pay = table[o + S_HELD_PAY];
          if (heldZ > 0 || pay > 0) {
            const okZ = table[o + S_HELD_OKZ];
            delta = table[o + S_HELD_NOW] - ((1 - phi) * (pay + amp * okZ) - amp * heldZ);
          }
        }
        const pOp = rho * (1 - phi);
        const pTrue = okEps * (1 - phi);
        const cpSlash = chiSigmaS * amp;
        const V = pOp * R - (1 - pOp) * (sigmaS - share * cpSlash);
        const b = (F * (table[o + S_COST] * d + (1 - pTrue) * cpSlash + delta)) / pTrue;
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
        if (dutch) {
          floor = R * clock[bestM + 1];
          floorUp = R * clock[bestM];
        } else floorUp = floor = kind === 'first-price' ? bestS : secondS > 0 ? secondS : 0;
      }
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
