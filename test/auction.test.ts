import { describe, expect, it } from 'vitest';
import { loadScenario } from '../envs/scenarios/index.ts';
import { Rng } from '../src/core/rng.ts';
import { QualifiedDutch, ReverseDutch } from '../src/sim/auction.ts';
import { NetworkSim } from '../src/sim/network.ts';

/** A small network whose coprocessor state the tests set by hand. */
function setup(K = 6) {
  const scenario = loadScenario('tiny', {
    coprocessors: { count: K },
    auction: { steps: 20, qualificationBase: 0.3 },
  });
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
    sim.cpPsi[k] = 0;
    sim.cpRho[k] = 0.9;
  }
  // One task: difficulty 1, complexity 0.5, reward 10.
  sim.tD[0] = 1;
  sim.tC[0] = 0.5;
  sim.tR[0] = 10;
  sim.tS[0] = 10;
  return sim;
}

function orderOf(sim: NetworkSim): Int32Array {
  const order = Int32Array.from({ length: sim.nCops }, (_, k) => k);
  return order.sort((a, b) => sim.cpRho[b] - sim.cpRho[a] || a - b);
}

function runQD(sim: NetworkSim, eta: number, j = 0): number {
  const auction = new QualifiedDutch();
  const order = orderOf(sim);
  auction.beginPeriod(sim, order);
  return auction.run(sim, j, eta, order);
}

/**
 * Brute-force reference of qualified-dutch: every eligible coprocessor's first
 * qualifying clock step, the earliest acceptance wins, ties by reputation.
 */
function reference(sim: NetworkSim, j: number, eta: number): { k: number; m: number } {
  const a = sim.scenario.auction;
  const M = a.steps;
  let best = -1;
  let bestM = M;
  for (let k = 0; k < sim.nCops; k++) {
    if (!sim.cpActive[k] || sim.cpCapab[k] < sim.tC[j]) continue;
    const load = (sim.cpUsed[k] + sim.tD[j]) / sim.cpCap[k];
    if (load > sim.cpKappa[k] || sim.cpFreeCollateral[k] < a.collateralRatio * sim.tS[j]) continue;
    const q = a.qualificationBase + (1 - a.qualificationBase) * sim.cpRho[k] * (1 - load);
    // Tick the clock: the first step whose price is at or below the qualification.
    let m = 0;
    while (m < M && eta * (1 - m / M) > q + 1e-12) m++;
    if (m >= M || eta * (1 - m / M) < sim.cpPsi[k]) continue;
    if (m < bestM || (m === bestM && sim.cpRho[k] > sim.cpRho[best])) {
      best = k;
      bestM = m;
    }
  }
  return { k: best, m: bestM };
}

describe('qualified-dutch auction', () => {
  it('gives the task to the earliest acceptance: the best-qualified coprocessor, at the higher price', () => {
    const sim = setup(3);
    sim.cpRho[0] = 0.6;
    sim.cpRho[1] = 0.95;
    sim.cpRho[2] = 0.8;
    const k = runQD(sim, 1);
    expect(k).toBe(1);
    // q = 0.3 + 0.7 * 0.95 * 0.99 = 0.958 -> first step with price <= q is m = 1 (0.95).
    expect(sim.tPrice[0]).toBeCloseTo(10 * (1 - 1 / 20), 10);
  });

  it('a loaded coprocessor qualifies later, so a lightly loaded one wins', () => {
    const sim = setup(2);
    sim.cpRho[0] = 0.95;
    sim.cpRho[1] = 0.9;
    sim.cpUsed[0] = 60; // load 0.61 after the task
    expect(runQD(sim, 1)).toBe(1);
  });

  it('a coprocessor never accepts below its reservation price', () => {
    const sim = setup(2);
    sim.cpRho[0] = 0.95;
    sim.cpRho[1] = 0.5;
    sim.cpPsi[0] = 0.99; // wants 99% of R: the clock starts at 0.95
    const k = runQD(sim, 0.95);
    expect(k).toBe(1);
    sim.cpPsi[1] = 0.99;
    expect(runQD(sim, 0.95)).toBe(-1);
  });

  it('ineligible coprocessors (capability, capacity, collateral, load cap, ejected) never win', () => {
    const sim = setup(5);
    for (let k = 0; k < 5; k++) sim.cpRho[k] = 0.99 - 0.01 * k;
    sim.cpCapab[0] = 0.4; // below the task's complexity 0.5
    sim.cpUsed[1] = 99.5; // no free capacity
    sim.cpFreeCollateral[2] = 5; // needs chi * S = 10
    sim.cpKappa[3] = 0.005; // its own load cap
    sim.cpActive[4] = 0;
    expect(runQD(sim, 1)).toBe(-1);
    sim.cpActive[4] = 1;
    expect(runQD(sim, 1)).toBe(4);
  });

  it('breaks ties on the clock step by reputation', () => {
    const sim = setup(3);
    sim.cpRho[0] = 0.901;
    sim.cpRho[1] = 0.902;
    sim.cpRho[2] = 0.9005;
    expect(runQD(sim, 1)).toBe(1);
  });

  it('breaks exact ties with the seeded generator, each tied coprocessor about equally often', () => {
    const sim = setup(3);
    const wins = [0, 0, 0];
    sim.rng = new Rng(7);
    for (let t = 0; t < 3000; t++) wins[runQD(sim, 1)]++;
    for (const w of wins) expect(w).toBeGreaterThan(850);
    // The same seed gives the same sequence of winners.
    const seq = (seed: number) => {
      sim.rng = new Rng(seed);
      return Array.from({ length: 50 }, () => runQD(sim, 1)).join(',');
    };
    expect(seq(3)).toBe(seq(3));
    expect(seq(3)).not.toBe(seq(4));
  });

  it('matches a brute-force clock on random markets, through a period of acceptances', () => {
    const rng = new Rng(11);
    const K = 40;
    const sim = setup(K);
    let winners = 0;
    for (let trial = 0; trial < 30; trial++) {
      for (let k = 0; k < K; k++) {
        sim.cpActive[k] = rng.next() < 0.9 ? 1 : 0;
        sim.cpCapab[k] = rng.uniform(0.4, 1);
        sim.cpCap[k] = rng.uniform(20, 120);
        sim.cpInvCap[k] = 1 / sim.cpCap[k];
        sim.cpUsed[k] = rng.uniform(0, 0.5) * sim.cpCap[k];
        sim.cpFreeCollateral[k] = rng.uniform(0, 100);
        sim.cpKappa[k] = rng.uniform(0.5, 1);
        sim.cpPsi[k] = rng.uniform(0, 0.6);
        sim.cpRho[k] = rng.uniform(0.5, 0.99);
      }
      const auction = new QualifiedDutch();
      const order = orderOf(sim);
      auction.beginPeriod(sim, order);
      for (let task = 0; task < 60; task++) {
        sim.tD[0] = rng.logNormal(Math.log(4), 0.6);
        sim.tC[0] = rng.beta(2, 2);
        sim.tR[0] = 5;
        sim.tS[0] = rng.uniform(1, 30);
        const eta = rng.uniform(0.3, 1);
        const ref = reference(sim, 0, eta);
        const k = auction.run(sim, 0, eta, order);
        expect(k).toBe(ref.k);
        if (k >= 0) {
          winners++;
          expect(sim.tPrice[0]).toBeCloseTo(eta * 5 * (1 - ref.m / 20), 10);
          sim.cpUsed[k] += sim.tD[0];
          sim.cpFreeCollateral[k] -= sim.tS[0];
          auction.accepted(sim, k);
        }
      }
    }
    expect(winners).toBeGreaterThan(500);
  });
});

describe('reverse-dutch auction', () => {
  it('the lowest ask wins, paid the first rising price that meets it', () => {
    const sim = setup(3);
    sim.cpPsi[0] = 0.5;
    sim.cpPsi[1] = 0.3;
    sim.cpPsi[2] = 0.7;
    const auction = new ReverseDutch();
    const order = orderOf(sim);
    const k = auction.run(sim, 0, 0.9, order);
    expect(k).toBe(1);
    // floor 0.1, ceiling 0.9 over 19 steps: first price >= 0.3 is at step ceil(0.2/0.8*19) = 5.
    expect(sim.tPrice[0]).toBeCloseTo(10 * (0.1 + (0.8 * 5) / 19), 10);
    // Nobody below the ceiling: no sale.
    for (let q = 0; q < 3; q++) sim.cpPsi[q] = 0.95;
    expect(auction.run(sim, 0, 0.9, order)).toBe(-1);
  });
});
