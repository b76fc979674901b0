import { describe, expect, it } from 'vitest';
import { makeBaselineSet } from '../envs/network/baselines.ts';
import { parseScenario, ScenarioError } from '../src/sim/scenario.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { runEpisode } from '../src/sim/episode.ts';
import { binomialScore, logistic, loadStep, reputationOmega, reputationStep } from '../src/sim/gas.ts';
import { loadCurve, overloadRisk, slashAmplifier } from '../src/sim/load-curve.ts';
import type { NetworkSim } from '../src/sim/network.ts';

const quick = loadScenario('quick');

describe('ledger', () => {
  it('balances every period, for every baseline population and both mechanisms', () => {
    for (const policy of ['paper-heuristic', 'random', 'greedy', 'cost-plus']) {
      for (const mechanism of ['qualified-dutch', 'reverse-dutch'] as const) {
        const scenario = loadScenario('quick', { auction: { mechanism }, slashing: { factor: 2 } });
        let periods = 0;
        let moved = 0;
        runEpisode(scenario, makeBaselineSet(policy, { scenario }), 5, {
          onPeriod: (sim) => {
            periods++;
            const l = sim.ledger;
            moved += l.rewards + l.burned;
            // Recompute the balance sum independently of the ledger's own bookkeeping.
            let sum = 0;
            for (let i = 0; i < sim.nOps; i++) sum += sim.opBal[i];
            for (let k = 0; k < sim.nCops; k++) sum += sim.cpBal[k];
            expect(Math.abs(sum - l.balanceStart - l.netFlow())).toBeLessThan(
              1e-6 * Math.max(1, l.balanceStart),
            );
          },
        });
        expect(periods).toBe(scenario.periods);
        expect(moved).toBeGreaterThan(0);
      }
    }
  });
});

describe('episodes', () => {
  it('the same seed gives a byte-identical summary; different seeds differ', () => {
    const run = (seed: number) =>
      JSON.stringify(
        runEpisode(quick, makeBaselineSet('paper-heuristic', { scenario: quick }), seed).summary,
      );
    expect(run(1)).toBe(run(1));
    expect(run(1)).not.toBe(run(2));
  });

  it('processes every task exactly once: the shares add up to 1', () => {
    const { summary } = runEpisode(quick, makeBaselineSet('paper-heuristic', { scenario: quick }), 3);
    const s = summary.shares;
    expect(summary.tasks).toBeGreaterThan(5000);
    expect(s.delegated + s.selfExecuted + s.fallback + s.dropped).toBeCloseTo(1, 12);
    expect(s.delegated).toBeGreaterThan(0.3);
    expect(s.selfExecuted).toBeGreaterThan(0.05);
  });

  it('a higher slashing factor ejects more operators', () => {
    const active = (factor: number) => {
      const scenario = loadScenario('paper', { periods: 300, slashing: { factor } });
      let sum = 0;
      for (const seed of [1, 2]) {
        sum += runEpisode(scenario, makeBaselineSet('paper-heuristic', { scenario }), seed).summary
          .activeAtEnd.operators;
      }
      return sum;
    };
    const low = active(0.25);
    const high = active(4);
    expect(low).toBeGreaterThan(high + 20);
  });

  it('an overloaded coprocessor fails more', () => {
    // Greedy coprocessors accept up to full capacity; compare failure rates below and above L*.
    // Under qualified-dutch the tiers spread the load, so there are coprocessors on both sides of L*.
    const scenario = loadScenario('quick', {
      auction: { mechanism: 'qualified-dutch' },
      demand: { meanTasks: 170, seasonalAmplitude: 0.4 },
      coprocessors: { maliciousFraction: 0 },
      slashing: { factor: 0 },
    });
    const tally = { lowN: 0, lowFail: 0, highN: 0, highFail: 0 };
    const Ls = scenario.loadCurve.optimalLoad;
    runEpisode(scenario, makeBaselineSet('greedy', { scenario }), 4, {
      onPeriod: (sim: NetworkSim) => {
        for (let k = 0; k < sim.nCops; k++) {
          const n = sim.cpN[k];
          const fails = n - sim.cpY[k];
          if (sim.cpLoad[k] > Ls + 0.1) {
            tally.highN += n;
            tally.highFail += fails;
          } else if (sim.cpLoad[k] < Ls) {
            tally.lowN += n;
            tally.lowFail += fails;
          }
        }
      },
    });
    expect(tally.highN).toBeGreaterThan(500);
    expect(tally.lowN).toBeGreaterThan(500);
    expect(tally.highFail / tally.highN).toBeGreaterThan(2 * (tally.lowFail / tally.lowN));
  });
});

describe('slash count', () => {
  /** Slash events the simulator reports in one period, by reason (counted apart from the metrics). */
  function runCounting(scenario: ReturnType<typeof loadScenario>, policy: string) {
    const period = { all: 0, liveness: 0 };
    const totals = { events: 0, liveness: 0, slashes: 0, livenessSlashes: 0, failures: 0, dropped: 0 };
    const { summary } = runEpisode(scenario, makeBaselineSet(policy, { scenario }), 4, {
      listener: {
        auction() {},
        ejection() {},
        slash(_role, _index, amount, reason) {
          expect(amount).toBeGreaterThan(0);
          period.all++;
          if (reason === 'liveness') period.liveness++;
        },
      },
      onPeriod(sim) {
        const m = sim.metrics;
        expect(m.slashes).toBe(period.all);
        expect(m.livenessSlashes).toBe(period.liveness);
        totals.events += period.all;
        totals.liveness += period.liveness;
        totals.slashes += m.slashes;
        totals.livenessSlashes += m.livenessSlashes;
        totals.failures += m.failures;
        totals.dropped += m.dropped;
        period.all = period.liveness = 0;
      },
    });
    expect(summary.slashes).toBe(totals.slashes);
    expect(summary.livenessSlashes).toBe(totals.livenessSlashes);
    return totals;
  }

  it('counts liveness slashes: with nobody to delegate to, slashes = failures + dropped tasks', () => {
    // No coprocessor is capable of any task, so every auction goes unsold; operators have more work than
    // capacity and stakes no slash can exhaust, so every failure and every dropped task takes money.
    const scenario = loadScenario('quick', {
      coprocessors: { capability: [0, 0] },
      operators: { stake: 1e9, minStake: 0 },
      demand: { meanTasks: 400 },
    });
    const t = runCounting(scenario, 'greedy');
    expect(t.dropped).toBeGreaterThan(100);
    expect(t.failures).toBeGreaterThan(0);
    expect(t.livenessSlashes).toBe(t.dropped);
    expect(t.slashes).toBe(t.failures + t.dropped);
  });

  it('counts every slash the simulator reports, coprocessors and operators, faults and liveness', () => {
    for (const mechanism of ['scoring-dutch', 'qualified-dutch'] as const) {
      const scenario = loadScenario('quick', { auction: { mechanism }, slashing: { factor: 2 } });
      const t = runCounting(scenario, 'paper-heuristic');
      expect(t.slashes).toBe(t.events);
      expect(t.livenessSlashes).toBe(t.liveness);
      // A failed delegated task slashes two agents.
      expect(t.slashes).toBeGreaterThan(t.failures);
    }
  });

  it('nothing is slashed at sigma = 0, though tasks still fail', () => {
    const scenario = loadScenario('quick', { slashing: { factor: 0 } });
    const t = runCounting(scenario, 'greedy');
    expect(t.failures).toBeGreaterThan(0);
    expect(t.slashes).toBe(0);
  });
});

describe('GAS reputation', () => {
  const p = quick.reputation;
  const omega = reputationOmega(p);
  const mean = Math.log(p.priorMean / (1 - p.priorMean));

  it('rises after successes and falls after failures', () => {
    let up = mean;
    let down = mean;
    for (let t = 0; t < 20; t++) {
      up = reputationStep(up, 10, 10, p, omega);
      down = reputationStep(down, 3, 10, p, omega);
    }
    expect(logistic(up)).toBeGreaterThan(p.priorMean + 0.03);
    expect(logistic(down)).toBeLessThan(p.priorMean - 0.2);
  });

  it('reverts to its mean with no observations', () => {
    let f = mean + 2;
    for (let t = 0; t < 400; t++) f = reputationStep(f, 0, 0, p, omega);
    expect(f).toBeCloseTo(mean, 2);
    expect(binomialScore(0, 0, 1, p)).toBe(0);
  });

  it('the inverse scaling is clipped near 0 and 1', () => {
    const inv = { ...p, scaling: 'inverse' as const };
    expect(Math.abs(binomialScore(0, 10, 12, inv))).toBeLessThanOrEqual(p.scoreClip);
    expect(binomialScore(5, 10, 0, { ...p, scaling: 'identity' })).toBeCloseTo(0, 12);
  });

  it('the Student-t load score moves alpha little on one spike', () => {
    const lg = quick.loadGas;
    const a1 = loadStep(0.5, 0.55, lg, 0.7) - loadStep(0.5, 0.5, lg, 0.7);
    const spike = loadStep(0.5, 5, lg, 0.7) - loadStep(0.5, 0.5, lg, 0.7);
    expect(a1).toBeGreaterThan(0);
    // A 100x larger surprise moves alpha less than 10x as much.
    expect(spike).toBeLessThan(10 * a1);
  });
});

describe('load curve', () => {
  const lc = quick.loadCurve;
  it('its two pieces meet at L* (at 0), with Lambda(0) = a and Lambda(1) = -b', () => {
    const Ls = lc.optimalLoad;
    expect(loadCurve(Ls, lc)).toBeCloseTo(0, 12);
    expect(loadCurve(Ls - 1e-9, lc)).toBeCloseTo(0, 6);
    expect(loadCurve(Ls + 1e-9, lc)).toBeCloseTo(0, 6);
    expect(loadCurve(0, lc)).toBeCloseTo(lc.a, 12);
    expect(loadCurve(1, lc)).toBeCloseTo(-lc.b, 12);
    expect(loadCurve(Ls / 2, lc)).toBeGreaterThan(0);
    expect(loadCurve((1 + Ls) / 2, lc)).toBeLessThan(0);
  });
  it('amplifies slashing only above L*, and overload risk grows with load', () => {
    expect(slashAmplifier(0.2, lc)).toBe(1);
    expect(slashAmplifier(1, lc)).toBeCloseTo(1 + lc.b, 12);
    expect(overloadRisk(0.5, 0.7, 0.5)).toBe(0);
    expect(overloadRisk(0.85, 0.7, 0.5)).toBeLessThan(overloadRisk(1, 0.7, 0.5));
    expect(overloadRisk(1, 0.7, 0.5)).toBeCloseTo(0.5, 12);
  });
});

describe('scenario validation', () => {
  const bad = (input: unknown) => {
    try {
      parseScenario(input, 'test.json');
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      return (err as Error).message;
    }
    throw new Error('expected a ScenarioError');
  };
  it('rejects negative counts, naming the field', () => {
    expect(bad({ name: 'x', operators: { count: -3 } })).toMatch(/operators\.count/);
  });
  it('rejects probabilities outside [0,1]', () => {
    expect(bad({ name: 'x', slashing: { detectionProbability: 1.5 } })).toMatch(
      /slashing\.detectionProbability/,
    );
    expect(bad({ name: 'x', coprocessors: { maliciousFraction: -0.1 } })).toMatch(
      /coprocessors\.maliciousFraction/,
    );
  });
  it('rejects unknown keys, naming them', () => {
    expect(bad({ name: 'x', auction: { stepz: 3 } })).toMatch(/auction\.stepz.*unknown field/);
    expect(bad({ name: 'x', sigma: 2 })).toMatch(/sigma/);
  });
  it('rejects reversed ranges', () => {
    expect(bad({ name: 'x', tasks: { risk: [0.5, 0.1] } })).toMatch(/tasks\.risk/);
  });
  it('loads the built-in scenarios, paper at the paper scale', () => {
    const paper = loadScenario('paper');
    expect(paper.operators.count).toBe(100);
    expect(paper.coprocessors.count).toBe(100);
    expect(paper.periods).toBe(1000);
    expect(paper.demand.meanTasks * paper.periods).toBeGreaterThanOrEqual(1_000_000);
    expect(() => loadScenario('no-such-scenario')).toThrow(/unknown scenario 'no-such-scenario'/);
  });
});
