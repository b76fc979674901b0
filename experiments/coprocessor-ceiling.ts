/**
 * How much can any coprocessor policy earn, per auction mechanism? On `quick`
 * (operators paper-heuristic, no shirking by the fixed settings), for each of
 * `qualified-dutch` and `reverse-dutch`:
 *  - every baseline population;
 *  - a grid of fixed (psi, kappa) settings played by the whole coprocessor population;
 *  - the same settings played by half of the coprocessors against a cost-plus half
 *    (each seed twice, halves swapped, as `copronet eval` runs its mixed market).
 * Mean episode profit per agent over 10 seeds.
 *
 * Then, for the default `scoring-dutch`: a grid of fixed (markup, kappa) played
 * by half of the coprocessors against a conservative, a paper-heuristic and a
 * cost-plus half on the eval's held-out seeds 10000-10019, with 95% t
 * intervals of both halves and of their paired difference: what the best a
 * fixed bid can do in the mixed market `copronet eval` reports.
 *
 *   node bin/run-ts.mjs experiments/coprocessor-ceiling.ts [scenario] [--scoring-only]
 */
import { BASELINES, makeBaseline, markupPolicy } from '../envs/network/baselines.ts';
import { maskedMean, runEvalEpisode } from './eval/episode.ts';
import { mixedMarketHalves } from './eval/evaluate.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import type { Policy } from '../src/sim/policy.ts';
import { printGridAgainst } from './lib/halves.ts';

const name = process.argv[2] ?? 'quick';
const seeds = Array.from({ length: 10 }, (_, i) => 100 + i);
const fmt = (x: number) => x.toFixed(1).padStart(8);

for (const mechanism of process.argv.includes('--scoring-only')
  ? []
  : (['qualified-dutch', 'reverse-dutch'] as const)) {
  const scenario = loadScenario(name, { auction: { mechanism } });
  const w = scenario.coprocessors.allowShirking ? 3 : 2;
  const operator = makeBaseline('paper-heuristic', 'operator', { scenario });
  const costPlus = makeBaseline('cost-plus', 'coprocessor', { scenario });

  /** Mean profit per agent of the whole population, and of the `mine` half against a cost-plus half. */
  const population = (cp: Policy) => {
    let s = 0;
    for (const seed of seeds)
      s += maskedMean(runEvalEpisode(scenario, { operator, coprocessor: cp }, seed).profit.coprocessor);
    return s / seeds.length;
  };
  const againstCostPlus = (mine: Policy) => {
    let a = 0;
    let b = 0;
    for (const seed of seeds) {
      const h = mixedMarketHalves({
        scenario,
        role: 'coprocessor',
        seed,
        learned: mine,
        baseline: () => costPlus,
        other: operator,
      });
      a += h.learned;
      b += h.baseline;
    }
    return [a / seeds.length, b / seeds.length];
  };
  const fixed = (psi: number, kappa: number): Policy => ({
    name: `psi ${psi}, kappa ${kappa}`,
    act(_obs, _active, m, out) {
      for (let k = 0; k < m; k++) {
        out[w * k] = psi;
        out[w * k + 1] = kappa;
        if (w === 3) out[w * k + 2] = 0;
      }
    },
  });

  console.log(`\n## ${mechanism} (${name}, operators paper-heuristic, seeds ${seeds[0]}-${seeds.at(-1)})\n`);
  console.log('baseline populations, profit per agent:');
  let bestBaseline = { name: '', value: Number.NEGATIVE_INFINITY };
  for (const b of BASELINES) {
    const v = population(makeBaseline(b, 'coprocessor', { scenario }));
    console.log(`  ${b.padEnd(16)} ${fmt(v)}`);
    if (v > bestBaseline.value) bestBaseline = { name: b, value: v };
  }
  console.log('\nfixed setting        population   half vs cost-plus half');
  let bestPop = { name: '', value: Number.NEGATIVE_INFINITY };
  let bestMix = { name: '', value: Number.NEGATIVE_INFINITY, other: 0 };
  for (const kappa of [0.4, 0.6, 0.8, 1]) {
    for (const psi of [0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9]) {
      const p = fixed(psi, kappa);
      const pop = population(p);
      const [mine, other] = againstCostPlus(p);
      console.log(`  ${p.name.padEnd(18)} ${fmt(pop)}   ${fmt(mine)} vs ${fmt(other)}`);
      if (pop > bestPop.value) bestPop = { name: p.name, value: pop };
      if (mine - other > bestMix.value - bestMix.other) bestMix = { name: p.name, value: mine, other };
    }
  }
  console.log(
    `\nbest baseline population: ${bestBaseline.name} ${bestBaseline.value.toFixed(1)}; ` +
      `best fixed population: ${bestPop.name} ${bestPop.value.toFixed(1)}; ` +
      `best half against cost-plus: ${bestMix.name} ${bestMix.value.toFixed(1)} vs ${bestMix.other.toFixed(1)}`,
  );
}

{
  const scenario = loadScenario(name, { auction: { mechanism: 'scoring-dutch' } });
  const operator = makeBaseline('paper-heuristic', 'operator', { scenario });
  const evalSeeds = Array.from({ length: 20 }, (_, i) => 10_000 + i);
  console.log(
    `\n## scoring-dutch (${name}, operators paper-heuristic, seeds ${evalSeeds[0]}-${evalSeeds.at(-1)}): a fixed half against a baseline half`,
  );
  const grid = [0.6, 0.7, 0.8, 1].flatMap((kappa) =>
    [0, 0.2, 0.4, 0.5, 0.6, 0.8, 1, 1.2].map((mu) => markupPolicy(scenario, mu, { kappa })),
  );
  for (const against of ['conservative', 'paper-heuristic', 'cost-plus']) {
    printGridAgainst(grid, { scenario, role: 'coprocessor', seeds: evalSeeds, against, other: operator });
  }
}
