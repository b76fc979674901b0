/**
 * How much can any coprocessor policy earn under qualified-dutch? A grid of
 * fixed (psi, kappa) settings played by the whole coprocessor population
 * (operators paper-heuristic, no shirking) on `quick`, against cost-plus:
 * mean episodic return per agent (reward units) over 10 seeds.
 *
 *   node bin/run-ts.mjs experiments/coprocessor-ceiling.ts [scenario]
 */
import { makeBaseline } from '../agents/baselines/index.ts';
import { loadScenario } from '../src/config/scenario.ts';
import { runEpisode } from '../src/sim/episode.ts';
import type { Policy } from '../src/sim/policy.ts';

const scenario = loadScenario(process.argv[2] ?? 'quick');
const seeds = Array.from({ length: 10 }, (_, i) => 100 + i);
const w = scenario.coprocessors.allowShirking ? 3 : 2;
const operator = makeBaseline('paper-heuristic', 'operator', { scenario });

function meanReturn(coprocessor: Policy): number {
  let sum = 0;
  for (const seed of seeds) {
    const r = runEpisode(scenario, { operator, coprocessor }, seed).summary;
    sum += r.meanRewardPerAgent.coprocessor * scenario.rewardScale;
  }
  return sum / seeds.length;
}

function fixed(psi: number, kappa: number): Policy {
  return {
    name: `psi ${psi}, kappa ${kappa}`,
    act(_obs, _active, n, out) {
      for (let k = 0; k < n; k++) {
        out[w * k] = psi;
        out[w * k + 1] = kappa;
        if (w === 3) out[w * k + 2] = 0;
      }
    },
  };
}

let best = { name: '', value: Number.NEGATIVE_INFINITY };
for (const kappa of [0.3, 0.5, 0.6, 0.7, 0.8, 1]) {
  for (const psi of [0, 0.5, 0.7, 0.8]) {
    const p = fixed(psi, kappa);
    const v = meanReturn(p);
    console.log(`${p.name.padEnd(20)} ${v.toFixed(2)}`);
    if (v > best.value) best = { name: p.name, value: v };
  }
}
const costPlus = meanReturn(makeBaseline('cost-plus', 'coprocessor', { scenario }));
console.log(`best fixed setting: ${best.name}: ${best.value.toFixed(2)}; cost-plus: ${costPlus.toFixed(2)}`);
