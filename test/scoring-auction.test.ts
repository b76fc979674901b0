import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/sim/scenario.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { Rng } from '../src/core/rng.ts';
import { ScoringAuction } from '../src/sim/auction.ts';
import { overloadRisk, slashAmplifier } from '../src/sim/load-curve.ts';
import { actionForMarkup, markupFromAction, NetworkSim } from '../src/sim/network.ts';

type Kind = 'scoring-dutch' | 'first-price' | 'second-price';
const KINDS: Kind[] = ['scoring-dutch', 'first-price', 'second-price'];

/** A task k already holds this period: its risk, price and slash, for the reference's Delta. */
interface Held {
  eps: number;
  price: number;
  S: number;
}

/** A small network whose coprocessor state the tests set by hand. */
function setup(K: number, over: Record<string, unknown> = {}) {
  const scenario = loadScenario('tiny', { coprocessors: { count: K }, ...over });
  const sim = new NetworkSim(scenario);
  sim.reset(1);
  for (let k = 0; k < K; k++) {
    sim.cpActive[k] = 1;
    sim.cpCapab[k] = 1;
    sim.cpCap[k] = 100;
    sim.cpInvCap[k] = 0.01;
    sim.cpUsed[k] = 0;
    sim.cpFreeCollateral[k] = 1000;
    sim.cpKappa[k] = 1;
    sim.cpCost[k] = 0.3;
    sim.cpMarkup[k] = 0;
    sim.cpRho[k] = 0.9;
  }
  sim.tD[0] = 4;
  sim.tC[0] = 0.5;
  sim.tR[0] = 5;
  sim.tS[0] = 6;
  sim.tEps[0] = 0.02;
  return sim;
}

/**
 * The operator's value V and coprocessor k's bid b for task j, written out from
 * the definitions in docs/MODEL.md ("The auction"), with Delta recomputed from
 * the list of tasks k holds. Independent of the mechanism's packed scan.
 */
function valueAndBid(sim: NetworkSim, k: number, j: number, held: Held[]): { V: number; b: number } {
  const s = sim.scenario;
  const Ls = s.loadCurve.optimalLoad;
  const phiOf = (L: number) => s.execution.overloadRisk * Math.max(0, (Math.min(L, 1) - Ls) / (1 - Ls)) ** 2;
  const ampOf = (L: number) =>
    1 + Math.max(0, s.loadCurve.b * Math.max(0, (Math.min(L, 1) - Ls) / (1 - Ls)) ** s.loadCurve.c);
  const sigma = s.slashing.factor;
  const chi = s.auction.collateralRatio;
  const now = sim.cpUsed[k] / sim.cpCap[k];
  const after = (sim.cpUsed[k] + sim.tD[j]) / sim.cpCap[k];
  const pOp = sim.cpRho[k] * (1 - phiOf(after));
  const R = sim.tR[j];
  const S = sim.tS[j];
  const V = pOp * R - (1 - pOp) * (sigma * S - s.slashing.operatorShare * sigma * chi * S * ampOf(after));
  // What k expects to earn on a held task if the period ends at load L.
  const earn = (h: Held, L: number) => {
    const p = (1 - h.eps) * (1 - phiOf(L));
    return p * h.price - (1 - p) * sigma * chi * h.S * ampOf(L);
  };
  let delta = 0;
  for (const h of held) delta += earn(h, now) - earn(h, after);
  const pTrue = (1 - sim.tEps[j]) * (1 - phiOf(after));
  const cost = sim.cpCost[k] * sim.tD[j] + (1 - pTrue) * sigma * chi * S * ampOf(after) + delta;
  return { V, b: ((1 + sim.cpMarkup[k]) * cost) / pTrue };
}

interface Ref {
  /** Every coprocessor that may win (more than one on an exact tie). */
  winners: number[];
  /** The price each of them would be paid. */
  prices: number[];
}

/** Brute force: every coprocessor's bid and value, then a tick-by-tick clock (scoring-dutch) or a full sort. */
function reference(kind: Kind, sim: NetworkSim, j: number, eta: number, held: Held[][]): Ref {
  const a = sim.scenario.auction;
  const R = sim.tR[j];
  const cap = eta * R;
  const bids: { k: number; V: number; b: number; s: number; rho: number }[] = [];
  for (let k = 0; k < sim.nCops; k++) {
    if (!sim.cpActive[k] || sim.cpCapab[k] < sim.tC[j]) continue;
    const load = (sim.cpUsed[k] + sim.tD[j]) / sim.cpCap[k];
    if (load > sim.cpKappa[k] || sim.cpFreeCollateral[k] < a.collateralRatio * sim.tS[j]) continue;
    const { V, b } = valueAndBid(sim, k, j, held[k]);
    if (!(b <= cap) || !(V - b >= 0)) continue;
    bids.push({ k, V, b, s: V - b, rho: sim.cpRho[k] });
  }
  if (bids.length === 0) return { winners: [], prices: [] };
  if (kind === 'scoring-dutch') {
    const M = a.steps;
    for (let m = 0; m <= M; m++) {
      const z = R * (1 - m / M);
      // Everyone whose offer min(eta R, V - z) meets its bid at this tick.
      const accept = bids.filter((x) => Math.min(cap, x.V - z) >= x.b - (1e-9 * R) / M);
      if (accept.length === 0) continue;
      const top = Math.max(...accept.map((x) => x.rho));
      const winners = accept.filter((x) => x.rho === top);
      return { winners: winners.map((x) => x.k), prices: winners.map((x) => Math.min(cap, x.V - z)) };
    }
    throw new Error('unreachable: a score >= 0 accepts by the last tick');
  }
  const sorted = [...bids].sort((x, y) => y.s - x.s || y.rho - x.rho);
  const w = sorted[0];
  const tied = sorted.filter((x) => x.s === w.s && x.rho === w.rho);
  const winners = tied.map((x) => x.k);
  if (kind === 'first-price') return { winners, prices: tied.map((x) => x.b) };
  const s2 = sorted.length > 1 ? sorted[1].s : Number.NEGATIVE_INFINITY;
  return { winners, prices: tied.map((x) => Math.min(cap, x.V - Math.max(s2, 0))) };
}

function orderOf(sim: NetworkSim): Int32Array {
  return Int32Array.from({ length: sim.nCops }, (_, k) => k);
}

/** A random market; `clones` coprocessors copy another's every attribute, so their scores tie exactly. */
function randomMarket(sim: NetworkSim, rng: Rng, clones: number) {
  const K = sim.nCops;
  const [lo, hi] = sim.scenario.auction.markupRange;
  for (let k = 0; k < K; k++) {
    sim.cpActive[k] = rng.next() < 0.9 ? 1 : 0;
    sim.cpCapab[k] = rng.uniform(0.4, 1);
    sim.cpCap[k] = rng.uniform(20, 120);
    sim.cpInvCap[k] = 1 / sim.cpCap[k];
    sim.cpUsed[k] = rng.uniform(0, 0.9) * sim.cpCap[k];
    sim.cpFreeCollateral[k] = rng.uniform(0, 200);
    sim.cpKappa[k] = rng.uniform(0.6, 1);
    sim.cpCost[k] = rng.uniform(0.2, 0.45);
    sim.cpMarkup[k] = markupFromAction(rng.uniform(0, 0.6), lo, hi);
    sim.cpRho[k] = rng.uniform(0.6, 0.99);
  }
  for (let c = 0; c < clones; c++) {
    const src = rng.int(K);
    const dst = rng.int(K);
    for (const arr of [
      sim.cpActive,
      sim.cpCapab,
      sim.cpCap,
      sim.cpInvCap,
      sim.cpUsed,
      sim.cpFreeCollateral,
      sim.cpKappa,
      sim.cpCost,
      sim.cpMarkup,
      sim.cpRho,
    ])
      arr[dst] = arr[src];
  }
}

describe.each(KINDS)('%s matches its brute-force reference', (kind) => {
  // sigma = 0 too: no slash is at risk (Z = 0), yet held tasks' pay still is, so Delta must count it.
  it.each([1.5, 0])(
    'on random markets through periods of acceptances (held tasks raise later bids), ties included, sigma %s',
    (factor) => {
      const rng = new Rng(kind.length * 7 + 1);
      const K = 30;
      const sim = setup(K, { slashing: { factor } });
      let winners = 0;
      let tiesSeen = 0;
      let overloaded = 0;
      for (let trial = 0; trial < 40; trial++) {
        randomMarket(sim, rng, trial % 2 === 0 ? 6 : 0);
        const held: Held[][] = Array.from({ length: K }, () => []);
        const auction = new ScoringAuction(kind);
        auction.beginPeriod(sim, orderOf(sim));
        for (let task = 0; task < 50; task++) {
          sim.tD[0] = rng.logNormal(Math.log(4), 0.6);
          sim.tC[0] = rng.beta(2, 2);
          sim.tR[0] = sim.tD[0] * (1 + 0.5 * sim.tC[0]);
          sim.tS[0] = sim.tR[0] * rng.uniform(0.8, 1.5);
          sim.tEps[0] = rng.uniform(0, 0.06);
          const eta = rng.uniform(0.3, 1);
          const ref = reference(kind, sim, 0, eta, held);
          const k = auction.run(sim, 0, eta, orderOf(sim));
          if (ref.winners.length === 0) {
            expect(k).toBe(-1);
            continue;
          }
          expect(ref.winners).toContain(k);
          if (ref.winners.length > 1) tiesSeen++;
          expect(sim.tPrice[0]).toBeCloseTo(ref.prices[ref.winners.indexOf(k)], 9);
          winners++;
          if ((sim.cpUsed[k] + sim.tD[0]) / sim.cpCap[k] > sim.scenario.loadCurve.optimalLoad) overloaded++;
          held[k].push({ eps: sim.tEps[0], price: sim.tPrice[0], S: sim.tS[0] });
          sim.cpUsed[k] += sim.tD[0];
          sim.cpFreeCollateral[k] -= sim.scenario.auction.collateralRatio * sim.tS[0];
          auction.accepted(sim, k, 0);
        }
      }
      expect(winners).toBeGreaterThan(600);
      // The comparison covered exact ties and winners above L* (where Delta and the load terms bite).
      expect(tiesSeen).toBeGreaterThan(5);
      expect(overloaded).toBeGreaterThan(50);
    },
  );

  it('breaks exact ties by reputation, then with the seeded generator, each tied coprocessor about equally often', () => {
    const sim = setup(4);
    sim.cpRho[3] = 0.95; // the best reputation, but a higher cost: it loses on score
    sim.cpCost[3] = 0.6;
    const auction = new ScoringAuction(kind);
    const wins = [0, 0, 0, 0];
    sim.rng = new Rng(5);
    for (let t = 0; t < 3000; t++) {
      auction.beginPeriod(sim, orderOf(sim));
      wins[auction.run(sim, 0, 1, orderOf(sim))]++;
    }
    expect(wins[3]).toBe(0);
    for (let k = 0; k < 3; k++) expect(wins[k]).toBeGreaterThan(850);
    // A slightly better reputation breaks the tie on its own (same bid, same clock step).
    sim.cpRho[1] = 0.9001;
    auction.beginPeriod(sim, orderOf(sim));
    expect(auction.run(sim, 0, 1, orderOf(sim))).toBe(1);
  });
});

/** What a coprocessor holds this period, summed as `ScoringAuction.accepted` sums it. */
interface HeldSums {
  pay: number;
  okZ: number;
  Z: number;
}

/**
 * The scoring scan as it was before the eligibility index, transcribed operation for operation:
 * every rank in ascending (1 + mu) u, the stopping bound, the eligibility tests, each eligible rank
 * counted in `eligible`, the score with Delta computed from the held sums, ties by reputation and then
 * the generator. The index must reproduce it bit for bit: winner, price, counts and draws.
 */
function plainScan(
  kind: Kind,
  sim: NetworkSim,
  j: number,
  eta: number,
  held: HeldSums[],
  eligible: Int32Array,
): { k: number; price: number } {
  if (!(eta > 0)) return { k: -1, price: 0 };
  const sc = sim.scenario;
  const lc = sc.loadCurve;
  const Ls = lc.optimalLoad;
  const phiMax = sc.execution.overloadRisk;
  const K = sim.nCops;
  const key = (k: number) =>
    sim.cpActive[k] ? (1 + sim.cpMarkup[k]) * sim.cpCost[k] : Number.POSITIVE_INFINITY;
  const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => key(a) - key(b) || a - b);
  const sufRho = new Float64Array(K + 1);
  sufRho[K] = Number.NEGATIVE_INFINITY;
  for (let r = K - 1; r >= 0; r--) {
    const rho = key(order[r]) === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : sim.cpRho[order[r]];
    sufRho[r] = rho > sufRho[r + 1] ? rho : sufRho[r + 1];
  }
  const d = sim.tD[j];
  const c = sim.tC[j];
  const R = sim.tR[j];
  const sigmaS = sc.slashing.factor * sim.tS[j];
  const chiSigmaS = sigmaS * sc.auction.collateralRatio;
  const share = sc.slashing.operatorShare;
  const need = sc.auction.collateralRatio * sim.tS[j];
  const okEps = 1 - sim.tEps[j];
  const cap = eta * R;
  const G = Math.max(0, -(sigmaS - share * chiSigmaS * (1 + lc.b)));
  const tol = 1e-9 * R;
  const M = sc.auction.steps;
  const dutch = kind === 'scoring-dutch';
  let bestR = -1;
  let bestS = Number.NEGATIVE_INFINITY;
  let bestV = 0;
  let bestB = 0;
  let bestRho = -1;
  let bestM = M + 1;
  let secondS = Number.NEGATIVE_INFINITY;
  let ties = 0;
  let floor = 0;
  for (let r = 0; r < K; r++) {
    const k = order[r];
    if (sufRho[r] * R + G - key(k) * d + tol < floor) break;
    const capab = sim.cpActive[k] ? sim.cpCapab[k] : Number.NEGATIVE_INFINITY;
    if (capab < c) continue;
    const used = sim.cpUsed[k];
    const load = (used + d) * sim.cpInvCap[k];
    if (load > sim.cpKappa[k] || sim.cpFreeCollateral[k] < need) continue;
    eligible[k]++;
    let phi = 0;
    let amp = 1;
    let delta = 0;
    if (load > Ls) {
      phi = overloadRisk(load, Ls, phiMax);
      amp = slashAmplifier(load, lc);
      const { pay, okZ, Z: heldZ } = held[k];
      if (heldZ > 0 || pay > 0) {
        const now = used * sim.cpInvCap[k];
        const phi0 = overloadRisk(now, Ls, phiMax);
        const amp0 = slashAmplifier(now, lc);
        delta =
          (1 - phi0) * (pay + amp0 * okZ) - amp0 * heldZ - ((1 - phi) * (pay + amp * okZ) - amp * heldZ);
      }
    }
    const rho = sim.cpRho[k];
    const pOp = rho * (1 - phi);
    const pTrue = okEps * (1 - phi);
    const cpSlash = chiSigmaS * amp;
    const V = pOp * R - (1 - pOp) * (sigmaS - share * cpSlash);
    const b = ((1 + sim.cpMarkup[k]) * (sim.cpCost[k] * d + (1 - pTrue) * cpSlash + delta)) / pTrue;
    const s = V - b;
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
  if (bestR < 0) return { k: -1, price: 0 };
  let price: number;
  if (dutch) price = Math.min(cap, bestV - R * (1 - bestM / M));
  else if (kind === 'first-price') price = bestB;
  else price = Math.min(cap, bestV - (secondS > 0 ? secondS : 0));
  return { k: order[bestR], price };
}

describe.each(KINDS)('%s: the indexed scan is the plain scan, bit for bit', (kind) => {
  it.each([
    ['with the eligibility index', true, 2, true],
    ['with the index, rooms checked in the scan', true, 2, false],
    ['without it', false, 2, true],
    ['with the index, load curve c = 1.5', true, 1.5, true],
    ['with the index, load curve c = 3', true, 3, true],
    ['with the index, no slashing (sigma = 0)', true, 2, true, 0],
  ])(
    '%s: winners, prices, generator draws and eligibility counts on random markets',
    (_, indexed, c, roomIndex, factor = 1.5) => {
      const rng = new Rng(kind.length * 11 + (indexed ? 3 : 5) + 7 * c);
      const K = 40;
      const sim = setup(K, { slashing: { factor }, loadCurve: { c } });
      const Ls = sim.scenario.loadCurve.optimalLoad;
      const chi = sim.scenario.auction.collateralRatio;
      let won = 0;
      let ties = 0;
      let overloaded = 0;
      let boundary = 0;
      let poor = 0;
      let lowCap = 0;
      for (let trial = 0; trial < 40; trial++) {
        randomMarket(sim, rng, trial % 3 === 0 ? 8 : 0);
        // Some markets where free collateral binds for some tasks, some with idle capacity (loads from 0),
        // some where every coprocessor has the same reputation, cost and markup (the bounds the scan skips
        // by are then tight).
        for (let k = 0; k < K; k++) {
          if (trial % 4 === 1) sim.cpFreeCollateral[k] = rng.uniform(0, 30);
          if (trial % 4 === 2) sim.cpUsed[k] = 0;
          if (trial % 5 === 4) {
            sim.cpRho[k] = sim.cpRho[0];
            sim.cpCost[k] = sim.cpCost[0];
            sim.cpMarkup[k] = sim.cpMarkup[0];
          }
        }
        const held: HeldSums[] = Array.from({ length: K }, () => ({ pay: 0, okZ: 0, Z: 0 }));
        const expected = new Int32Array(K);
        sim.cpEligible.fill(0);
        const auction = new ScoringAuction(kind, { indexed, roomIndex });
        auction.beginPeriod(sim, orderOf(sim));
        for (let task = 0; task < 60; task++) {
          sim.tD[0] = rng.logNormal(Math.log(4), 0.6);
          // Now and then exactly the room a coprocessor has left: its load after the task is its cap, to rounding.
          if (task % 7 === 3) {
            const k = rng.int(K);
            const room = sim.cpKappa[k] * sim.cpCap[k] - sim.cpUsed[k];
            if (room > 0) {
              sim.tD[0] = room;
              boundary++;
            }
          }
          sim.tC[0] = rng.beta(2, 2);
          sim.tR[0] = sim.tD[0] * (1 + 0.5 * sim.tC[0]);
          sim.tS[0] = sim.tR[0] * rng.uniform(0.8, 1.5);
          sim.tEps[0] = rng.uniform(0, 0.06);
          // Every sixth market with a low cap: most bids are above it (the scan skips those unpriced).
          const eta = trial % 6 === 5 ? rng.uniform(0.05, 0.3) : rng.uniform(0.3, 1);
          const before = sim.rng.state();
          const ref = plainScan(kind, sim, 0, eta, held, expected);
          const after = sim.rng.state();
          sim.rng = Rng.fromState(before);
          const k = auction.run(sim, 0, eta, orderOf(sim));
          expect(k).toBe(ref.k);
          expect(sim.rng.state()).toEqual(after);
          if (after.s0 !== before.s0) ties++;
          if (k < 0) continue;
          expect(sim.tPrice[0]).toBe(ref.price);
          won++;
          if (eta < 0.3) lowCap++;
          if ((sim.cpUsed[k] + sim.tD[0]) * sim.cpInvCap[k] > Ls) overloaded++;
          if (sim.cpFreeCollateral[k] < 30) poor++;
          const ok = 1 - sim.tEps[0];
          const Z = sim.scenario.slashing.factor * chi * sim.tS[0];
          held[k].pay += ok * sim.tPrice[0];
          held[k].okZ += ok * Z;
          held[k].Z += Z;
          sim.cpUsed[k] += sim.tD[0];
          sim.cpFreeCollateral[k] -= chi * sim.tS[0];
          auction.accepted(sim, k, 0);
        }
        auction.endPeriod(sim);
        expect(Array.from(sim.cpEligible)).toEqual(Array.from(expected));
      }
      // The comparison covered exact ties (generator draws), winners above L*, tasks at a room's edge,
      // markets where collateral binds and winners under a low cap.
      expect(won).toBeGreaterThan(600);
      expect(ties).toBeGreaterThan(5);
      expect(overloaded).toBeGreaterThan(50);
      expect(boundary).toBeGreaterThan(100);
      expect(poor).toBeGreaterThan(20);
      expect(lowCap).toBeGreaterThan(20);
    },
  );
});

describe('scoring auctions: what the bid means', () => {
  it('ineligible coprocessors (capability, capacity, collateral, load cap, ejected, above the cap, negative score) never win', () => {
    for (const kind of KINDS) {
      const sim = setup(6);
      const auction = new ScoringAuction(kind);
      sim.cpCapab[0] = 0.4; // below the task's complexity 0.5
      sim.cpUsed[1] = 97; // no free capacity
      sim.cpFreeCollateral[2] = 5; // needs chi * S = 6
      sim.cpKappa[3] = 0.03; // its own load cap
      sim.cpActive[4] = 0;
      sim.cpMarkup[5] = 2.3; // bids about 0.89 R: below the cap, above its value 0.84 R (a negative score)
      auction.beginPeriod(sim, orderOf(sim));
      expect(auction.run(sim, 0, 1, orderOf(sim))).toBe(-1);
      sim.cpMarkup[5] = 0;
      auction.beginPeriod(sim, orderOf(sim));
      expect(auction.run(sim, 0, 1, orderOf(sim))).toBe(5);
      // The operator's cap: a bid of about 0.26 R is above a cap of 0.2 R.
      auction.beginPeriod(sim, orderOf(sim));
      expect(auction.run(sim, 0, 0.2, orderOf(sim))).toBe(-1);
    }
  });

  it('the lower bid wins; first-price pays the bid, second-price the runner-up threshold, scoring-dutch the clock offer', () => {
    const prices: Record<string, number> = {};
    for (const kind of KINDS) {
      const sim = setup(2);
      sim.cpCost[0] = 0.25;
      sim.cpCost[1] = 0.35;
      const auction = new ScoringAuction(kind);
      auction.beginPeriod(sim, orderOf(sim));
      expect(auction.run(sim, 0, 1, orderOf(sim))).toBe(0);
      prices[kind] = sim.tPrice[0];
      const held: Held[] = [];
      const b0 = valueAndBid(sim, 0, 0, held).b;
      const b1 = valueAndBid(sim, 1, 0, held).b;
      if (kind === 'first-price') expect(sim.tPrice[0]).toBeCloseTo(b0, 12);
      // Same value for both (same reputation and load): the threshold is the runner-up's bid.
      if (kind === 'second-price') expect(sim.tPrice[0]).toBeCloseTo(b1, 12);
      if (kind === 'scoring-dutch') {
        expect(sim.tPrice[0]).toBeGreaterThanOrEqual(b0);
        expect(sim.tPrice[0]).toBeLessThan(b0 + sim.tR[0] / sim.scenario.auction.steps + 1e-12);
      }
    }
    expect(prices['second-price']).toBeGreaterThan(prices['first-price']);
  });

  it('second-price: for a task in isolation, no markup earns more than the truthful one (weak dominance)', () => {
    const rng = new Rng(3);
    const K = 8;
    const sim = setup(K);
    const [lo, hi] = sim.scenario.auction.markupRange;
    const grid = [-0.4, -0.2, -0.1, -0.02, 0, 0.02, 0.1, 0.2, 0.5, 1];
    let strict = 0;
    for (let trial = 0; trial < 300; trial++) {
      randomMarket(sim, rng, 0);
      sim.cpActive[0] = 1;
      sim.cpCapab[0] = 1;
      sim.cpFreeCollateral[0] = 1000;
      sim.cpKappa[0] = 1;
      sim.tD[0] = rng.logNormal(Math.log(4), 0.6);
      sim.tC[0] = rng.beta(2, 2);
      sim.tR[0] = sim.tD[0] * (1 + 0.5 * sim.tC[0]);
      sim.tS[0] = sim.tR[0];
      sim.tEps[0] = rng.uniform(0, 0.06);
      const eta = rng.uniform(0.4, 1);
      // Coprocessor 0's expected profit when it bids with markup mu: P price - cost if it wins, else 0.
      const profit = (mu: number) => {
        sim.cpMarkup[0] = markupFromAction(actionForMarkup(mu, lo, hi), lo, hi);
        const auction = new ScoringAuction('second-price');
        auction.beginPeriod(sim, orderOf(sim));
        const k = auction.run(sim, 0, eta, orderOf(sim));
        if (k !== 0) return 0;
        // Its expected profit is P (price - break-even); P > 0 is the same for every markup of this trial.
        sim.cpMarkup[0] = 0;
        const breakEven = valueAndBid(sim, 0, 0, []).b;
        return sim.tPrice[0] - breakEven;
      };
      const truthful = profit(0);
      for (const mu of grid) {
        const p = profit(mu);
        expect(p).toBeLessThanOrEqual(truthful + 1e-9);
        if (p < truthful - 1e-9) strict++;
      }
    }
    // And deviating does cost something in a good share of the markets.
    expect(strict).toBeGreaterThan(100);
  });

  it('the truthful action maps to a markup of exactly 0, for the default and for other ranges', () => {
    for (const [lo, hi] of [
      [-0.5, 1.5],
      [-0.3, 1],
      [0, 2],
      [-0.9, 0.7],
    ]) {
      const x = Math.fround(actionForMarkup(0, lo, hi));
      expect(markupFromAction(x, lo, hi)).toBe(0);
      expect(markupFromAction(0, lo, hi)).toBe(lo);
      expect(markupFromAction(1, lo, hi)).toBeCloseTo(hi, 12);
    }
  });

  it('bad mechanism names and markup ranges are errors that name the field', () => {
    expect(() => parseScenario({ name: 'x', auction: { mechanism: 'english' } })).toThrow(
      /auction\.mechanism: unknown mechanism: choose one of scoring-dutch, first-price, second-price, qualified-dutch, reverse-dutch/,
    );
    expect(() => parseScenario({ name: 'x', auction: { markupRange: [0.1, 1] } })).toThrow(
      /auction\.markupRange: must contain 0/,
    );
    expect(() => parseScenario({ name: 'x', auction: { markupRange: [-1.5, 1] } })).toThrow(
      /auction\.markupRange: low must be above -1/,
    );
    expect(() => parseScenario({ name: 'x', auction: { markupRange: [1, -1] } })).toThrow(
      /auction\.markupRange: range must be \[low, high\]/,
    );
    expect(parseScenario({ name: 'x' }).auction.mechanism).toBe('scoring-dutch');
  });
});

describe('fixed-markup coprocessors (markup=<mu>)', () => {
  it('bid the markup they are given, and refuse one that makes no sense for the mechanism, naming the field', async () => {
    const { makeBaseline } = await import('../envs/network/baselines.ts');
    const scenario = loadScenario('tiny');
    const p = makeBaseline('markup=0.3', 'coprocessor', { scenario });
    const out = new Float32Array(12);
    p.act(new Float32Array(4 * 20), new Uint8Array(4).fill(1), 4, out);
    const [lo, hi] = scenario.auction.markupRange;
    expect(markupFromAction(out[0], lo, hi)).toBeCloseTo(0.3, 6);
    expect(out[1]).toBe(1); // no load cap
    expect(out[2]).toBe(0); // never shirks
    const qd = loadScenario('tiny', { auction: { mechanism: 'qualified-dutch' } });
    expect(() => makeBaseline('markup=0.3', 'coprocessor', { scenario: qd })).toThrow(
      /needs a scoring mechanism, but auction\.mechanism is 'qualified-dutch'/,
    );
    expect(() => makeBaseline('markup=2', 'coprocessor', { scenario })).toThrow(
      /markup 2 is outside auction\.markupRange \[-0\.5, 1\.5\]/,
    );
    expect(() => makeBaseline('markup=abc', 'coprocessor', { scenario })).toThrow(/must be a number/);
    expect(() => makeBaseline('markup=0.1', 'operator', { scenario })).toThrow(/coprocessor bid/);
  });
});
