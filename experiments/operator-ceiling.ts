/**
 * How much more than a baseline half can any fixed operator setting earn in
 * the mixed market that `copronet eval` runs? On `quick` under its default
 * mechanism (coprocessors paper-heuristic, the eval's reference), a grid of
 * fixed (theta, eta) plays half of the operators against a baseline half
 * (each seed twice, halves swapped), on the eval's held-out seeds 10000-10019.
 * Prints each setting's half against the greedy, conservative and
 * paper-heuristic halves: means with 95% t intervals of the two halves and of
 * their paired difference.
 *
 *   node bin/run-ts.mjs experiments/operator-ceiling.ts [scenario] [seeds]
 */
import { makeBaseline } from '../envs/network/baselines.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import type { Policy } from '../src/sim/policy.ts';
import { printGridAgainst } from './lib/halves.ts';

const name = process.argv[2] ?? 'quick';
const nSeeds = Number(process.argv[3] ?? 20);
const seeds = Array.from({ length: nSeeds }, (_, i) => 10_000 + i);
const scenario = loadScenario(name);
const coprocessor = makeBaseline('paper-heuristic', 'coprocessor', { scenario });

const fixed = (theta: number, eta: number): Policy => ({
  name: `theta ${theta}, eta ${eta}`,
  act(_obs, _active, n, out) {
    for (let i = 0; i < n; i++) {
      out[2 * i] = theta;
      out[2 * i + 1] = eta;
    }
  },
});

console.log(
  `# ${name} under ${scenario.auction.mechanism}, coprocessors paper-heuristic, seeds ${seeds[0]}-${seeds.at(-1)}`,
);
const grid = [0, 0.05, 0.1, 0.16].flatMap((theta) =>
  [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((eta) => fixed(theta, eta)),
);
for (const against of ['greedy', 'conservative', 'paper-heuristic']) {
  printGridAgainst(grid, { scenario, role: 'operator', seeds, against, other: coprocessor });
}
