/**
 * The network simulator: operators, coprocessors and tasks (docs/MODEL.md, from
 * "Entities" to "The optimal load curve"), one period per `step`. Pure and
 * seeded: all state lives in typed arrays allocated by the constructor (the task
 * buffers grow on demand), and the per-task loops allocate nothing.
 *
 * One period:
 *   tasks arrive (Poisson, seasonal demand) and are assigned to operators
 *   -> each operator executes a task itself or auctions it -> the auction picks a
 *   coprocessor (or nobody: fallback or drop) -> at the end of the period every
 *   executed task succeeds or fails at the executor's final load -> money moves
 *   (ledger) -> GAS filters update reputation and the load parameter alpha ->
 *   the load-curve incentive is paid -> agents below their minimum balance are ejected.
 */
import type { Scenario } from './scenario.ts';
import { Rng, type RngState } from '../core/rng.ts';
import { type AuctionMechanism, makeAuction, sortByKey } from './auction.ts';
import { logistic, logit, loadStep, reputationOmega, reputationStep } from './gas.ts';
import { Ledger } from './ledger.ts';
import { loadCurve, overloadRisk, slashAmplifier } from './load-curve.ts';
import { PeriodMetrics } from './metrics.ts';
import { COPROCESSOR_OBS, MARKET_OBS_AT, MARKET_OBS_NAMES, OPERATOR_OBS } from './observation.ts';

/** How a task was settled. */
export const Exec = {
  Dropped: 0,
  Self: 1,
  Delegated: 2,
  /** Auctioned, nobody took it, and the operator ran it itself. */
  Fallback: 3,
} as const;

/** Observation widths, from the layouts (`observation.ts`). */
export const OPERATOR_OBS_DIM = OPERATOR_OBS.dim;
export const COPROCESSOR_OBS_DIM = COPROCESSOR_OBS.dim;
export const OPERATOR_ACTION_DIM = 2;

// Offsets of the observation entries by name: the writers below assign each entry through these.
const OP = OPERATOR_OBS.at;
const CP = COPROCESSOR_OBS.at;
const MK = MARKET_OBS_AT;

/** Why money was slashed. */
export type SlashReason = 'failure' | 'shirk' | 'liveness';

/**
 * Optional observer of individual market events. The simulator calls it only
 * when one is set (`sim.listener`), so an unobserved run pays one null check.
 */
export interface SimListener {
  /** Task j of operator `op` auctioned; `cop` is the winner or -1, `price` 0 when unsold. */
  auction(j: number, op: number, cop: number, price: number, reward: number): void;
  /** `amount` slashed from agent `index` of `role`. */
  slash(role: 'operator' | 'coprocessor', index: number, amount: number, reason: SlashReason): void;
  /** Agent `index` of `role` ejected at the end of this period. */
  ejection(role: 'operator' | 'coprocessor', index: number, balance: number): void;
}

export class NetworkSim {
  /** Observer of individual events, or null (the default: nothing is reported). */
  listener: SimListener | null = null;
  readonly scenario: Scenario;
  readonly nOps: number;
  readonly nCops: number;
  readonly coprocessorActionDim: number;
  readonly ledger = new Ledger();
  /** Metrics of the period just simulated (reused object). */
  readonly metrics = new PeriodMetrics();

  // ---- operators
  readonly opCap: Float64Array;
  readonly opCapab: Float64Array;
  readonly opBal: Float64Array;
  readonly opCost: Float64Array;
  readonly opRep: Float64Array; // GAS latent f_i
  readonly opPref: Int32Array;
  readonly opActive: Uint8Array;
  readonly opUsed: Float64Array;
  readonly opTheta: Float64Array; // risk threshold, already rescaled
  readonly opEta: Float64Array;
  readonly opProfit: Float64Array; // this period
  readonly opTotalProfit: Float64Array; // this episode
  readonly opTasks: Int32Array; // assigned this period
  readonly opSelf: Int32Array;
  readonly opAuctions: Int32Array;
  readonly opFilled: Int32Array;
  readonly opN: Int32Array; // settled outcomes this period (GAS n)
  readonly opY: Int32Array; // detected successes (GAS y)
  readonly opEjectedAt: Int32Array;

  // ---- coprocessors
  readonly cpCap: Float64Array;
  readonly cpInvCap: Float64Array;
  readonly cpCapab: Float64Array;
  readonly cpBal: Float64Array;
  /**
   * Collateral not yet locked by this period's tasks: the balance at the start of
   * the auctions minus chi S_j per task accepted. Kept rather than derived from a
   * locked sum: the auction scans read it for every coprocessor of every task, and
   * this running difference is the exact number they have always compared.
   */
  readonly cpFreeCollateral: Float64Array;
  readonly cpCost: Float64Array;
  readonly cpRep: Float64Array; // GAS latent g_k
  readonly cpRho: Float64Array; // logistic(g_k), refreshed per period
  readonly cpAlpha: Float64Array;
  readonly cpMalicious: Uint8Array;
  readonly cpActive: Uint8Array;
  readonly cpUsed: Float64Array;
  /** The first action read as a reservation / ask ratio (qualified-dutch, reverse-dutch). */
  readonly cpPsi: Float64Array;
  /** The first action read as a bid markup mu over the break-even price (scoring mechanisms): bid = (1 + mu) x break-even. */
  readonly cpMarkup: Float64Array;
  /** The second action: the highest load the coprocessor accepts this period, in [0, 1] (capacity is a load of 1). */
  readonly cpKappa: Float64Array;
  readonly cpShirk: Float64Array;
  readonly cpProfit: Float64Array;
  readonly cpTotalProfit: Float64Array;
  readonly cpEligible: Int32Array;
  readonly cpWins: Int32Array;
  readonly cpN: Int32Array;
  readonly cpY: Int32Array;
  readonly cpLoad: Float64Array; // last period's load
  readonly cpEjectedAt: Int32Array;
  /** Tasks delegated from operator i to coprocessor k this episode, at [i * nCops + k]. */
  readonly flows: Uint32Array;

  // ---- tasks of the current period (grown on demand, never per task)
  private cap = 0;
  tD = new Float64Array(0);
  tC = new Float64Array(0);
  tR = new Float64Array(0);
  tS = new Float64Array(0);
  tEps = new Float64Array(0);
  tOp = new Int32Array(0);
  tExec = new Uint8Array(0);
  tCop = new Int32Array(0);
  tPrice = new Float64Array(0);
  /** The uniform drawn for each task's assignment. */
  tU = new Float64Array(0);
  nTasks = 0;

  // ---- assignment tables: cumulative weights per complexity band
  private readonly bandCum: Float64Array;
  private readonly bandTotal: Float64Array;
  /** Per band, N + 1 starting points for the search in its table (`buildAssignmentTables`). */
  private readonly bandGuide: Int32Array;
  /** Each operator's assignment weight this period (before its band preference). */
  private readonly opWeight: Float64Array;
  /** Overload risk and slash amplifier of every executor at its final load (`settle`). */
  private readonly opPhi: Float64Array;
  private readonly opAmp: Float64Array;
  private readonly cpPhi: Float64Array;
  private readonly cpAmp: Float64Array;
  private readonly cpOrder: Int32Array;
  /** The generator's state while `drawTasks` steps it in locals (`Rng.getRaw`). */
  private readonly rngRaw = new Float64Array(5);

  private readonly auction: AuctionMechanism;
  private readonly repOmega: number;
  private readonly alphaMean: number;
  private readonly meanOpCap: number;
  private readonly meanCpCap: number;
  private readonly meanTaskReward: number;
  private demandNoise = 0;
  private lambdaT = 0;

  rng: Rng;
  /** Periods simulated since reset. */
  t = 0;
  /** Market summaries of the last period (observations). */
  readonly market = new Float32Array(MARKET_OBS_NAMES.length);

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    const N = (this.nOps = scenario.operators.count);
    const K = (this.nCops = scenario.coprocessors.count);
    this.coprocessorActionDim = scenario.coprocessors.allowShirking ? 3 : 2;
    const f64 = (n: number) => new Float64Array(n);
    const i32 = (n: number) => new Int32Array(n);
    this.opCap = f64(N);
    this.opCapab = f64(N);
    this.opBal = f64(N);
    this.opCost = f64(N);
    this.opRep = f64(N);
    this.opPref = i32(N);
    this.opActive = new Uint8Array(N);
    this.opUsed = f64(N);
    this.opTheta = f64(N);
    this.opEta = f64(N);
    this.opProfit = f64(N);
    this.opTotalProfit = f64(N);
    this.opTasks = i32(N);
    this.opSelf = i32(N);
    this.opAuctions = i32(N);
    this.opFilled = i32(N);
    this.opN = i32(N);
    this.opY = i32(N);
    this.opEjectedAt = i32(N);
    this.cpCap = f64(K);
    this.cpInvCap = f64(K);
    this.cpCapab = f64(K);
    this.cpBal = f64(K);
    this.cpFreeCollateral = f64(K);
    this.cpCost = f64(K);
    this.cpRep = f64(K);
    this.cpRho = f64(K);
    this.cpAlpha = f64(K);
    this.cpMalicious = new Uint8Array(K);
    this.cpActive = new Uint8Array(K);
    this.cpUsed = f64(K);
    this.cpPsi = f64(K);
    this.cpMarkup = f64(K);
    this.cpKappa = f64(K);
    this.cpShirk = f64(K);
    this.cpProfit = f64(K);
    this.cpTotalProfit = f64(K);
    this.cpEligible = i32(K);
    this.cpWins = i32(K);
    this.cpN = i32(K);
    this.cpY = i32(K);
    this.cpLoad = f64(K);
    this.cpEjectedAt = i32(K);
    this.flows = new Uint32Array(N * K);
    this.bandCum = f64(scenario.tasks.bands * N);
    this.bandTotal = f64(scenario.tasks.bands);
    this.bandGuide = i32(scenario.tasks.bands * (N + 1));
    this.opWeight = f64(N);
    this.opPhi = f64(N);
    this.opAmp = f64(N);
    this.cpPhi = f64(K);
    this.cpAmp = f64(K);
    this.cpOrder = Int32Array.from({ length: K }, (_, k) => k);
    this.auction = makeAuction(scenario.auction.mechanism);
    this.repOmega = reputationOmega(scenario.reputation);
    this.alphaMean = scenario.loadCurve.optimalLoad;
    const capMean = (m: { median: number; sigma: number }) => m.median * Math.exp((m.sigma * m.sigma) / 2);
    this.meanOpCap = capMean(scenario.operators.capacity);
    this.meanCpCap = capMean(scenario.coprocessors.capacity);
    const tk = scenario.tasks;
    const meanC = tk.complexity.a / (tk.complexity.a + tk.complexity.b);
    this.meanTaskReward = tk.rewardPerUnit * capMean(tk.difficulty) * (1 + tk.complexityPremium * meanC);
    this.rng = new Rng(scenario.seed);
    this.growTasks(Math.ceil(scenario.demand.meanTasks * 2 + 64));
  }

  /** Start a new episode: draw every agent's attributes from the seeded generator. */
  reset(seed: number): void {
    const s = this.scenario;
    const rng = (this.rng = new Rng(seed));
    this.ledger.reset();
    this.t = 0;
    this.demandNoise = 0;
    this.flows.fill(0);
    const o = s.operators;
    const f0 = logit(s.reputation.priorMean);
    for (let i = 0; i < this.nOps; i++) {
      this.opCap[i] = rng.logNormal(Math.log(o.capacity.median), o.capacity.sigma);
      this.opCapab[i] = rng.uniform(o.capability[0], o.capability[1]);
      this.opBal[i] = o.stake;
      this.opCost[i] = rng.uniform(o.unitCost[0], o.unitCost[1]);
      this.opRep[i] = f0 + rng.normal(0, 0.3);
      this.opPref[i] = rng.int(s.tasks.bands);
      this.opActive[i] = 1;
      this.opTotalProfit[i] = 0;
      this.opEjectedAt[i] = -1;
    }
    const c = s.coprocessors;
    const nMalicious = Math.round(c.maliciousFraction * this.nCops);
    for (let k = 0; k < this.nCops; k++) {
      this.cpCap[k] =
        c.capacity.median > 0 ? rng.logNormal(Math.log(c.capacity.median), c.capacity.sigma) : 0;
      this.cpInvCap[k] = 1 / this.cpCap[k];
      this.cpCapab[k] = rng.uniform(c.capability[0], c.capability[1]);
      this.cpBal[k] = c.collateral;
      this.cpCost[k] = rng.uniform(c.unitCost[0], c.unitCost[1]);
      this.cpRep[k] = f0 + rng.normal(0, 0.3);
      this.cpAlpha[k] = this.alphaMean;
      this.cpLoad[k] = 0;
      this.cpActive[k] = 1;
      this.cpTotalProfit[k] = 0;
      this.cpEjectedAt[k] = -1;
    }
    // The malicious coprocessors are a seeded random subset of the given size.
    this.cpMalicious.fill(0);
    const idx = new Int32Array(this.nCops);
    for (let k = 0; k < this.nCops; k++) idx[k] = k;
    rng.shuffle(idx);
    for (let m = 0; m < nMalicious; m++) this.cpMalicious[idx[m]] = 1;
    this.clearPeriodStats();
    this.metrics.reset();
    this.updateMarketObs();
  }

  /**
   * Apply this period's actions (rows in [0,1], `actionDim` wide, clipped here)
   * and simulate one period. Inactive agents' rows are ignored.
   */
  step(opActions: Float32Array, cpActions: Float32Array): void {
    const s = this.scenario;
    this.applyActions(opActions, cpActions);
    this.clearPeriodStats();
    this.ledger.beginPeriod(this.totalBalance());
    this.generateTasks();
    this.processTasks();
    this.settle();
    this.updateGas();
    this.payIncentives();
    this.eject();
    this.ledger.endPeriod(this.totalBalance());
    this.t++;
    this.metrics.finish(this, s);
    this.updateMarketObs();
  }

  /**
   * True once the horizon T is reached. (A network with a whole role ejected
   * still steps; the environment ends its episode: envs/network/batched.ts.)
   */
  /** Operator i took part in the period just stepped: active, or ejected at its end. */
  operatorInLastPeriod(i: number): boolean {
    return this.opActive[i] !== 0 || this.opEjectedAt[i] === this.t - 1;
  }

  /** Coprocessor k took part in the period just stepped: active, or ejected at its end. */
  coprocessorInLastPeriod(k: number): boolean {
    return this.cpActive[k] !== 0 || this.cpEjectedAt[k] === this.t - 1;
  }

  get done(): boolean {
    return this.t >= this.scenario.periods;
  }

  // ---------------------------------------------------------------- actions

  private applyActions(opA: Float32Array, cpA: Float32Array): void {
    const thetaMax = this.scenario.execution.thetaMax;
    for (let i = 0; i < this.nOps; i++) {
      this.opTheta[i] = clip01(opA[2 * i]) * thetaMax;
      this.opEta[i] = clip01(opA[2 * i + 1]);
    }
    const w = this.coprocessorActionDim;
    const [lo, hi] = this.scenario.auction.markupRange;
    for (let k = 0; k < this.nCops; k++) {
      this.cpPsi[k] = clip01(cpA[w * k]);
      this.cpMarkup[k] = markupFromAction(this.cpPsi[k], lo, hi);
      this.cpKappa[k] = clip01(cpA[w * k + 1]);
      this.cpShirk[k] = w === 3 ? shirkFromAction(cpA[w * k + 2]) : 0;
    }
  }

  // ---------------------------------------------------------------- demand

  /** Mean demand for period t: seasonal term times an AR(1) log-noise. */
  private demandMean(): number {
    const d = this.scenario.demand;
    const season = 1 + d.seasonalAmplitude * Math.sin((2 * Math.PI * this.t) / d.seasonalPeriod);
    const rho = d.noisePersistence;
    this.demandNoise = rho * this.demandNoise + Math.sqrt(1 - rho * rho) * this.rng.normal(0, d.noise);
    return Math.max(0, d.meanTasks * season * Math.exp(this.demandNoise - (d.noise * d.noise) / 2));
  }

  private growTasks(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2);
    this.tD = new Float64Array(cap);
    this.tC = new Float64Array(cap);
    this.tR = new Float64Array(cap);
    this.tS = new Float64Array(cap);
    this.tEps = new Float64Array(cap);
    this.tOp = new Int32Array(cap);
    this.tExec = new Uint8Array(cap);
    this.tCop = new Int32Array(cap);
    this.tPrice = new Float64Array(cap);
    this.tU = new Float64Array(cap);
    this.cap = cap;
  }

  /** Draw this period's tasks and assign each to an operator. */
  private generateTasks(): void {
    const s = this.scenario;
    this.lambdaT = this.demandMean();
    const n = this.rng.poisson(this.lambdaT);
    this.growTasks(n);
    this.nTasks = n;
    this.metrics.tasks = n;
    this.buildAssignmentTables();
    this.drawTasks(n);
    const tk = s.tasks;
    const [, eHi] = tk.risk;
    const epsMax = eHi > 0 ? eHi : 1;
    const B = tk.bands;
    const N = this.nOps;
    const { bandCum, bandGuide, bandTotal, tD, tC, tEps, tU, tR, tS, tOp } = this;
    const { rewardPerUnit, complexityPremium, slashRatio, riskLoading } = tk;
    for (let j = 0; j < n; j++) {
      const d = tD[j];
      const c = tC[j];
      const eps = tEps[j];
      const R = rewardPerUnit * d * (1 + complexityPremium * c);
      tR[j] = R;
      tS[j] = slashRatio * R * (1 + (riskLoading * eps) / epsMax);
      // Assignment: capacity x reputation^gamma x preference; the first operator whose cumulative weight
      // in the band's table exceeds u (a binary search's answer), found from the band's guide.
      const b = Math.min(B - 1, Math.floor(c * B));
      const total = bandTotal[b];
      if (total <= 0) {
        tOp[j] = -1;
        continue;
      }
      const u = tU[j] * total;
      const base = b * N;
      let i = bandGuide[b * (N + 1) + Math.floor(tU[j] * N)];
      while (i > 0 && bandCum[base + i - 1] > u) i--;
      while (i < N - 1 && !(bandCum[base + i] > u)) i++;
      tOp[j] = i;
    }
  }

  /**
   * Every draw of this period's tasks, in the order they have always been made: per task its
   * difficulty, complexity and risk, then the uniform of its assignment (none when its band has no
   * weight). In a loop of its own, so that the generator's steps inline into it.
   */
  private drawTasks(n: number): void {
    const tk = this.scenario.tasks;
    const rng = this.rng;
    const muD = Math.log(tk.difficulty.median);
    const sigmaD = tk.difficulty.sigma;
    const { a: ca, b: cb } = tk.complexity;
    const [eLo, eHi] = tk.risk;
    const B = tk.bands;
    const { tD, tC, tEps, tU, bandTotal } = this;
    if (!(ca === 2 && cb === 2)) {
      for (let j = 0; j < n; j++) {
        tD[j] = rng.logNormal(muD, sigmaD);
        const c = rng.beta(ca, cb);
        tC[j] = c;
        tEps[j] = rng.uniform(eLo, eHi);
        if (bandTotal[Math.min(B - 1, Math.floor(c * B))] > 0) tU[j] = rng.next();
      }
      return;
    }
    // The default complexity Beta(2, 2): the same draws with the generator's state in locals, each step
    // `Rng.next` written out, `normal`, `logNormal`, `beta` and `uniform` operation for operation. The carry
    // stays a double: t is in [0, 2^31), where Math.floor(t) is t | 0, without the round trip through an int.
    const st = this.rngRaw;
    rng.getRaw(st);
    let s0 = st[0];
    let s1 = st[1];
    let s2 = st[2];
    let k = st[3];
    let spare = st[4];
    const eSpan = eHi - eLo;
    for (let j = 0; j < n; j++) {
      let z: number;
      if (!Number.isNaN(spare)) {
        z = muD + sigmaD * spare;
        spare = Number.NaN;
      } else {
        let u: number;
        let v: number;
        let q: number;
        do {
          let t = 2091639 * s0 + k * 2.3283064365386963e-10;
          s0 = s1;
          s1 = s2;
          k = Math.floor(t);
          s2 = t - k;
          u = 2 * s2 - 1;
          t = 2091639 * s0 + k * 2.3283064365386963e-10;
          s0 = s1;
          s1 = s2;
          k = Math.floor(t);
          s2 = t - k;
          v = 2 * s2 - 1;
          q = u * u + v * v;
        } while (q >= 1 || q === 0);
        const f = Math.sqrt((-2 * Math.log(q)) / q);
        spare = v * f;
        z = muD + sigmaD * u * f;
      }
      tD[j] = Math.exp(z);
      // Beta(2, 2): the median of three uniforms.
      let t = 2091639 * s0 + k * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      k = Math.floor(t);
      s2 = t - k;
      const a = s2;
      t = 2091639 * s0 + k * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      k = Math.floor(t);
      s2 = t - k;
      const b = s2;
      t = 2091639 * s0 + k * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      k = Math.floor(t);
      s2 = t - k;
      const c = Math.max(Math.min(a, b), Math.min(Math.max(a, b), s2));
      tC[j] = c;
      t = 2091639 * s0 + k * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      k = Math.floor(t);
      s2 = t - k;
      tEps[j] = eLo + eSpan * s2;
      if (bandTotal[Math.min(B - 1, Math.floor(c * B))] > 0) {
        t = 2091639 * s0 + k * 2.3283064365386963e-10;
        s0 = s1;
        s1 = s2;
        k = Math.floor(t);
        s2 = t - k;
        tU[j] = s2;
      }
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = k;
    st[4] = spare;
    rng.setRaw(st);
  }

  private buildAssignmentTables(): void {
    const s = this.scenario;
    const N = this.nOps;
    const gamma = s.assignment.reputationExponent;
    const boost = s.operators.preferenceBoost;
    const w = this.opWeight;
    for (let i = 0; i < N; i++)
      w[i] = this.opActive[i] ? this.opCap[i] * logistic(this.opRep[i]) ** gamma : 0;
    const { bandCum, bandGuide } = this;
    for (let b = 0; b < s.tasks.bands; b++) {
      let acc = 0;
      for (let i = 0; i < N; i++) {
        if (this.opActive[i]) acc += this.opPref[i] === b ? w[i] * (1 + boost) : w[i];
        bandCum[b * N + i] = acc;
      }
      this.bandTotal[b] = acc;
      // guide[g]: the first operator whose cumulative weight exceeds g / N of the total (a start for the search).
      for (let g = 0, i = 0, o = b * (N + 1); g <= N; g++) {
        const edge = (g / N) * acc;
        while (i < N - 1 && !(bandCum[b * N + i] > edge)) i++;
        bandGuide[o + g] = i;
      }
    }
  }

  // ---------------------------------------------------------------- decisions and auctions

  /** Walk the tasks in arrival order (a seeded random order over the network) and place each. */
  private processTasks(): void {
    const s = this.scenario;
    const ex = s.execution;
    const Ls = s.loadCurve.optimalLoad;
    const chi = s.auction.collateralRatio;
    const m = this.metrics;
    // Coprocessors in descending reputation order: the auction scan can stop early.
    for (let k = 0; k < this.nCops; k++) {
      this.cpRho[k] = logistic(this.cpRep[k]);
      this.cpFreeCollateral[k] = this.cpBal[k];
    }
    // By descending reputation, ties by index, from last period's order (a permutation).
    sortByKey(this.cpOrder, this.cpRho, true);
    const auction = this.auction;
    auction.beginPeriod(this, this.cpOrder);
    for (let j = 0; j < this.nTasks; j++) {
      const i = this.tOp[j];
      if (i < 0) {
        this.tExec[j] = Exec.Dropped;
        continue;
      }
      const d = this.tD[j];
      const c = this.tC[j];
      this.opTasks[i]++;
      const free = this.opCap[i] - this.opUsed[i];
      // Operator's estimated risk of doing the task itself at its load after taking it.
      let selfRisk = 2;
      if (free >= d) {
        const Lafter = (this.opUsed[i] + d) / this.opCap[i];
        const gap = c - this.opCapab[i];
        const capRisk = gap > 0 ? Math.min(1, ex.capabilityGapRisk * gap) : 0;
        selfRisk = 1 - (1 - this.tEps[j]) * (1 - overloadRisk(Lafter, Ls, ex.overloadRisk)) * (1 - capRisk);
      }
      if (selfRisk <= this.opTheta[i]) {
        this.tExec[j] = Exec.Self;
        this.opUsed[i] += d;
        this.opSelf[i]++;
        continue;
      }
      this.opAuctions[i]++;
      const k = auction.run(this, j, this.opEta[i], this.cpOrder);
      if (this.listener !== null) this.listener.auction(j, i, k, k >= 0 ? this.tPrice[j] : 0, this.tR[j]);
      if (k >= 0) {
        this.tExec[j] = Exec.Delegated;
        this.tCop[j] = k;
        this.cpUsed[k] += d;
        this.cpFreeCollateral[k] -= chi * this.tS[j];
        auction.accepted(this, k, j);
        this.cpWins[k]++;
        this.opFilled[i]++;
        this.flows[i * this.nCops + k]++;
        m.priceRatioSum += this.tPrice[j] / this.tR[j];
      } else if (free >= d) {
        this.tExec[j] = Exec.Fallback;
        this.opUsed[i] += d;
      } else {
        this.tExec[j] = Exec.Dropped;
      }
    }
    auction.endPeriod(this);
  }

  // ---------------------------------------------------------------- settlement

  /** Resolve every task at its executor's final load for the period and move the money. */
  private settle(): void {
    const s = this.scenario;
    const rng = this.rng;
    const ex = s.execution;
    const lc = s.loadCurve;
    const Ls = lc.optimalLoad;
    const sigma = s.slashing.factor;
    const chi = s.auction.collateralRatio;
    const pDetect = s.slashing.detectionProbability;
    const share = s.slashing.operatorShare;
    const lambdaMiss = s.slashing.livenessPenalty;
    const L = this.ledger;
    const m = this.metrics;
    // Every executor's overload risk and slash amplifier at its final load for the period, once each.
    const { opPhi, opAmp, cpPhi, cpAmp } = this;
    for (let i = 0; i < this.nOps; i++) {
      const Li = this.opUsed[i] / this.opCap[i];
      opPhi[i] = overloadRisk(Li, Ls, ex.overloadRisk);
      opAmp[i] = slashAmplifier(Li, lc);
    }
    for (let k = 0; k < this.nCops; k++) {
      const Lk = this.cpUsed[k] * this.cpInvCap[k];
      cpPhi[k] = overloadRisk(Lk, Ls, ex.overloadRisk);
      cpAmp[k] = slashAmplifier(Lk, lc);
    }
    for (let j = 0; j < this.nTasks; j++) {
      const i = this.tOp[j];
      const kind = this.tExec[j];
      const R = this.tR[j];
      const S = this.tS[j];
      if (kind === Exec.Dropped) {
        m.dropped++;
        if (i < 0) continue;
        const pen = take(this.opBal[i], sigma * lambdaMiss * S);
        this.opBal[i] -= pen;
        this.opProfit[i] -= pen;
        L.burned += pen;
        if (pen > 0) {
          m.slashes++;
          m.livenessSlashes++;
          if (this.listener !== null) this.listener.slash('operator', i, pen, 'liveness');
        }
        this.opN[i]++;
        continue;
      }
      if (kind === Exec.Self || kind === Exec.Fallback) {
        if (kind === Exec.Self) m.selfExecuted++;
        else m.fallback++;
        const gap = this.tC[j] - this.opCapab[i];
        const capRisk = gap > 0 ? Math.min(1, ex.capabilityGapRisk * gap) : 0;
        const pOk = (1 - this.tEps[j]) * (1 - opPhi[i]) * (1 - capRisk);
        const cost = this.opCost[i] * this.tD[j];
        this.opBal[i] -= cost;
        this.opProfit[i] -= cost;
        L.costs += cost;
        this.opN[i]++;
        if (rng.next() < pOk) {
          this.opBal[i] += R;
          this.opProfit[i] += R;
          L.rewards += R;
          this.opY[i]++;
        } else {
          m.failures++;
          const slash = take(this.opBal[i], sigma * S * opAmp[i]);
          this.opBal[i] -= slash;
          this.opProfit[i] -= slash;
          L.burned += slash;
          if (slash > 0) {
            m.slashes++;
            if (this.listener !== null) this.listener.slash('operator', i, slash, 'failure');
          }
        }
        continue;
      }
      // Delegated to coprocessor k at price p.
      m.delegated++;
      const k = this.tCop[j];
      const p = this.tPrice[j];
      const shirked = this.cpShirk[k] > 0 && rng.next() < this.cpShirk[k];
      let ok: boolean;
      if (shirked) {
        m.shirks++;
        ok = rng.next() >= pDetect;
        if (ok) m.undetectedShirks++;
      } else {
        const cost = this.cpCost[k] * this.tD[j];
        this.cpBal[k] -= cost;
        this.cpProfit[k] -= cost;
        L.costs += cost;
        ok = rng.next() < (1 - this.tEps[j]) * (1 - cpPhi[k]);
      }
      this.opN[i]++;
      this.cpN[k]++;
      if (ok) {
        // The AVS pays R to the operator, who pays p to the coprocessor.
        this.opBal[i] += R - p;
        this.opProfit[i] += R - p;
        this.cpBal[k] += p;
        this.cpProfit[k] += p;
        L.rewards += R;
        L.transfers += p;
        this.opY[i]++;
        this.cpY[k]++;
      } else {
        m.failures++;
        const cpSlash = take(this.cpBal[k], sigma * chi * S * cpAmp[k]);
        this.cpBal[k] -= cpSlash;
        this.cpProfit[k] -= cpSlash;
        const opSlash = take(this.opBal[i], sigma * S);
        const refund = share * cpSlash;
        this.opBal[i] += refund - opSlash;
        this.opProfit[i] += refund - opSlash;
        L.burned += opSlash + cpSlash - refund;
        L.transfers += refund;
        // Two agents slashed: the coprocessor, and the operator (who gets a share of the first back).
        if (cpSlash > 0) {
          m.slashes++;
          if (this.listener !== null)
            this.listener.slash('coprocessor', k, cpSlash, shirked ? 'shirk' : 'failure');
        }
        if (opSlash > 0) {
          m.slashes++;
          if (this.listener !== null) this.listener.slash('operator', i, opSlash, 'failure');
        }
      }
    }
  }

  // ---------------------------------------------------------------- GAS, incentives, ejection

  private updateGas(): void {
    const s = this.scenario;
    const rp = s.reputation;
    for (let i = 0; i < this.nOps; i++) {
      if (!this.opActive[i]) continue;
      this.opRep[i] = reputationStep(this.opRep[i], this.opY[i], this.opN[i], rp, this.repOmega);
    }
    for (let k = 0; k < this.nCops; k++) {
      if (!this.cpActive[k]) continue;
      this.cpRep[k] = reputationStep(this.cpRep[k], this.cpY[k], this.cpN[k], rp, this.repOmega);
      const load = this.cpUsed[k] * this.cpInvCap[k];
      this.cpLoad[k] = load;
      this.cpAlpha[k] = loadStep(this.cpAlpha[k], load, s.loadGas, this.alphaMean);
    }
  }

  /** The unloaded-uptime bonus, paid on the GAS-filtered alpha (never on the raw load). */
  private payIncentives(): void {
    const lc = this.scenario.loadCurve;
    if (lc.bonusScale <= 0) return;
    for (let k = 0; k < this.nCops; k++) {
      if (!this.cpActive[k]) continue;
      const v = loadCurve(this.cpAlpha[k], lc);
      if (v <= 0) continue;
      const bonus = lc.bonusScale * this.cpCap[k] * v;
      this.cpBal[k] += bonus;
      this.cpProfit[k] += bonus;
      this.ledger.incentives += bonus;
    }
  }

  /** Pay out the share of positive profits that is not restaked, then eject agents below their minimum. */
  private eject(): void {
    const s = this.scenario;
    const L = this.ledger;
    const opKeep = s.operators.restakeShare;
    const cpKeep = s.coprocessors.restakeShare;
    for (let i = 0; i < this.nOps; i++) {
      this.opTotalProfit[i] += this.opProfit[i];
      if (this.opProfit[i] > 0 && this.opActive[i]) {
        const out = (1 - opKeep) * this.opProfit[i];
        this.opBal[i] -= out;
        L.paidOut += out;
      }
      if (this.opActive[i] && this.opBal[i] < s.operators.minStake) {
        this.opActive[i] = 0;
        this.opEjectedAt[i] = this.t;
        if (this.listener !== null) this.listener.ejection('operator', i, this.opBal[i]);
        L.withdrawn += this.opBal[i];
        this.opBal[i] = 0;
        this.metrics.ejectedOperators++;
      }
    }
    for (let k = 0; k < this.nCops; k++) {
      this.cpTotalProfit[k] += this.cpProfit[k];
      if (this.cpProfit[k] > 0 && this.cpActive[k]) {
        const out = (1 - cpKeep) * this.cpProfit[k];
        this.cpBal[k] -= out;
        L.paidOut += out;
      }
      if (this.cpActive[k] && this.cpBal[k] < s.coprocessors.minCollateral) {
        this.cpActive[k] = 0;
        this.cpEjectedAt[k] = this.t;
        if (this.listener !== null) this.listener.ejection('coprocessor', k, this.cpBal[k]);
        L.withdrawn += this.cpBal[k];
        this.cpBal[k] = 0;
        this.metrics.ejectedCoprocessors++;
      }
    }
  }

  /** Sum of every agent's balance (ejected agents hold 0 after withdrawal). */
  totalBalance(): number {
    let sum = 0;
    for (let i = 0; i < this.nOps; i++) sum += this.opBal[i];
    for (let k = 0; k < this.nCops; k++) sum += this.cpBal[k];
    return sum;
  }

  private clearPeriodStats(): void {
    this.opUsed.fill(0);
    this.opProfit.fill(0);
    this.opTasks.fill(0);
    this.opSelf.fill(0);
    this.opAuctions.fill(0);
    this.opFilled.fill(0);
    this.opN.fill(0);
    this.opY.fill(0);
    this.cpUsed.fill(0);
    this.cpProfit.fill(0);
    this.cpEligible.fill(0);
    this.cpWins.fill(0);
    this.cpN.fill(0);
    this.cpY.fill(0);
    this.metrics.beginPeriod();
  }

  // ---------------------------------------------------------------- observations

  private updateMarketObs(): void {
    const m = this.metrics;
    const mk = this.market;
    const n = Math.max(1, m.tasks);
    mk[MK.price_ratio] = m.delegated > 0 ? m.priceRatioSum / m.delegated : 0;
    mk[MK.delegated_share] = m.delegated / n;
    mk[MK.unfilled_share] = m.fallback / n;
    mk[MK.dropped_share] = m.dropped / n;
    mk[MK.mean_coprocessor_load] = m.meanCoprocessorLoad;
    mk[MK.demand] = this.scenario.demand.meanTasks > 0 ? m.tasks / this.scenario.demand.meanTasks : 0;
    mk[MK.slashing_factor] = this.scenario.slashing.factor;
    mk[MK.time] = this.t / this.scenario.periods;
  }

  /** Write operator observations (`nOps * OPERATOR_OBS_DIM`, layout `OPERATOR_OBS`). */
  writeOperatorObs(out: Float32Array): void {
    const s = this.scenario;
    const D = OPERATOR_OBS.dim;
    const expectTasks = Math.max(1, s.demand.meanTasks / Math.max(1, this.nOps));
    const profitScale = 1 / (expectTasks * this.meanTaskReward);
    const mk = this.market;
    // The offsets as locals: the loop then indexes with plain numbers.
    const { capacity, capability, balance, reputation, load, unit_cost, profit, failure_rate } = OP;
    const { auction_fill_rate, tasks_seen, self_share, price_ratio } = OP;
    for (let i = 0; i < this.nOps; i++) {
      const o = i * D;
      const n = this.opN[i];
      out[o + capacity] = this.opCap[i] / this.meanOpCap;
      out[o + capability] = this.opCapab[i];
      out[o + balance] = this.opBal[i] / s.operators.stake;
      out[o + reputation] = logistic(this.opRep[i]);
      out[o + load] = this.opUsed[i] / this.opCap[i];
      out[o + unit_cost] = this.opCost[i] / s.tasks.rewardPerUnit;
      out[o + profit] = this.opProfit[i] * profitScale;
      out[o + failure_rate] = n > 0 ? 1 - this.opY[i] / n : 0;
      out[o + auction_fill_rate] = this.opAuctions[i] > 0 ? this.opFilled[i] / this.opAuctions[i] : 1;
      out[o + tasks_seen] = this.opTasks[i] / expectTasks;
      out[o + self_share] = this.opTasks[i] > 0 ? this.opSelf[i] / this.opTasks[i] : 0;
      for (let q = 0; q < mk.length; q++) out[o + price_ratio + q] = mk[q];
    }
  }

  /** Write coprocessor observations (`nCops * COPROCESSOR_OBS_DIM`, layout `COPROCESSOR_OBS`). */
  writeCoprocessorObs(out: Float32Array): void {
    const s = this.scenario;
    const D = COPROCESSOR_OBS.dim;
    const expectTasks = Math.max(1, s.demand.meanTasks / Math.max(1, this.nCops));
    const profitScale = 1 / (expectTasks * this.meanTaskReward);
    const mk = this.market;
    const { capacity, capability, balance, reputation, load, alpha, unit_cost, profit } = CP;
    const { failure_rate, win_rate, tasks_won, malicious, price_ratio } = CP;
    for (let k = 0; k < this.nCops; k++) {
      const o = k * D;
      const n = this.cpN[k];
      out[o + capacity] = this.cpCap[k] / this.meanCpCap;
      out[o + capability] = this.cpCapab[k];
      out[o + balance] = this.cpBal[k] / s.coprocessors.collateral;
      out[o + reputation] = logistic(this.cpRep[k]);
      out[o + load] = this.cpLoad[k];
      out[o + alpha] = this.cpAlpha[k];
      out[o + unit_cost] = this.cpCost[k] / s.tasks.rewardPerUnit;
      out[o + profit] = this.cpProfit[k] * profitScale;
      out[o + failure_rate] = n > 0 ? 1 - this.cpY[k] / n : 0;
      out[o + win_rate] = this.cpEligible[k] > 0 ? this.cpWins[k] / this.cpEligible[k] : 0;
      out[o + tasks_won] = this.cpWins[k] / expectTasks;
      out[o + malicious] = this.cpMalicious[k];
      for (let q = 0; q < mk.length; q++) out[o + price_ratio + q] = mk[q];
    }
  }

  /** The generator state, for checkpoints. */
  rngState(): RngState {
    return this.rng.state();
  }

  /**
   * The complete state between two periods, JSON-serialisable: every per-agent
   * array, the generator, the demand process, the ledger and the last metrics.
   * `restore` on a simulator of the same scenario continues bit for bit.
   */
  snapshot(): NetworkSnapshot {
    const arrays: Record<string, number[]> = {};
    for (const [key, value] of Object.entries(this)) {
      if (ArrayBuffer.isView(value) && !TASK_SCRATCH.has(key) && !REBUILT.has(key))
        arrays[key] = Array.from(value as Float64Array);
    }
    return {
      t: this.t,
      demandNoise: this.demandNoise,
      lambdaT: this.lambdaT,
      rng: this.rng.state(),
      arrays,
      ledger: { ...this.ledger },
      metrics: { ...this.metrics },
    };
  }

  restore(snap: NetworkSnapshot): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [key, values] of Object.entries(snap.arrays)) {
      if (RETIRED_ARRAYS.has(key)) continue;
      const target = self[key];
      if (!ArrayBuffer.isView(target) || TASK_SCRATCH.has(key)) {
        throw new Error(
          `NetworkSim.restore: the snapshot holds '${key}', which this simulator does not keep: ` +
            'it was written by another version of copronet; resume it with that version, or start a new run.',
        );
      }
      if ((target as Float64Array).length !== values.length) {
        throw new Error(
          `NetworkSim.restore: the snapshot's '${key}' does not fit this scenario (a different agent count?).`,
        );
      }
      (target as Float64Array).set(values);
    }
    this.t = snap.t;
    this.demandNoise = snap.demandNoise;
    this.lambdaT = snap.lambdaT;
    this.rng = Rng.fromState(snap.rng as RngState & { spare?: number });
    const { totals, ...flows } = snap.ledger as Ledger;
    Object.assign(this.ledger, flows);
    Object.assign(this.ledger.totals, totals);
    Object.assign(this.metrics, snap.metrics);
    this.updateMarketObs();
  }
}

/** Per-period task buffers: rebuilt every period, not part of a snapshot. */
const TASK_SCRATCH = new Set(['tD', 'tC', 'tR', 'tS', 'tEps', 'tOp', 'tExec', 'tCop', 'tPrice', 'tU']);

/** Aids rebuilt from the state every period (`buildAssignmentTables`, `settle`): not part of a snapshot either. */
const REBUILT = new Set(['bandGuide', 'opWeight', 'opPhi', 'opAmp', 'cpPhi', 'cpAmp', 'rngRaw']);

/**
 * Arrays older versions kept and snapshots may still hold; nothing read them
 * (`cpLocked`) or they copied one that is restored anyway (`cpLoadCap` = `cpKappa`),
 * so `restore` skips them and such a checkpoint still resumes exactly.
 */
const RETIRED_ARRAYS = new Set(['cpLocked', 'cpLoadCap']);

export interface NetworkSnapshot {
  t: number;
  demandNoise: number;
  lambdaT: number;
  rng: unknown;
  arrays: Record<string, number[]>;
  ledger: object;
  metrics: object;
}

/**
 * Actions below this are "never shirk": a bounded policy (a Beta has support
 * (0, 1)) can then choose exactly zero misbehaviour.
 */
export const SHIRK_DEAD_ZONE = 0.05;

/** Shirk probability of a coprocessor's third action: 0 up to the dead zone, then linear to 1. */
export function shirkFromAction(x: number): number {
  return x > SHIRK_DEAD_ZONE ? Math.min(1, (x - SHIRK_DEAD_ZONE) / (1 - SHIRK_DEAD_ZONE)) : 0;
}

/** The action that gives shirk probability p (the inverse of `shirkFromAction` on (0, 1]). */
export function actionForShirk(p: number): number {
  return p > 0 ? SHIRK_DEAD_ZONE + (1 - SHIRK_DEAD_ZONE) * Math.min(1, p) : 0;
}

/**
 * The bid markup of a coprocessor's first action x in [0, 1] under the scoring
 * mechanisms: mu = low + x (high - low), `auction.markupRange` = [low, high].
 */
export function markupFromAction(x: number, low: number, high: number): number {
  const u = clip01(x);
  // The float32 action nearest the truthful one is exactly truthful, whatever the range.
  if (Math.abs(u * (high - low) + low) <= 1e-7 * (high - low)) return 0;
  return low + u * (high - low);
}

/**
 * The action whose markup is mu (the inverse of `markupFromAction`, clipped to
 * the range). The truthful action -low / (high - low) maps back to exactly 0.
 */
export function actionForMarkup(mu: number, low: number, high: number): number {
  if (high === low) return 0;
  const x = (mu - low) / (high - low);
  return clip01(x);
}

function clip01(x: number): number {
  return x > 1 ? 1 : x > 0 ? x : 0;
}

/** What can actually be taken from a balance: never more than is there. */
function take(balance: number, amount: number): number {
  return balance <= 0 ? 0 : amount < balance ? amount : balance;
}
