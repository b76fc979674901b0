import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { NetworkSim } from '../src/sim/network.ts';

/** The period's task draws as `Rng` makes them: what `drawTasks` must reproduce, number for number. */
function expected(sim: NetworkSim, rng: Rng, n: number) {
  const tk = sim.scenario.tasks;
  const B = tk.bands;
  const total = (sim as unknown as { bandTotal: Float64Array }).bandTotal;
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    out.push(rng.logNormal(Math.log(tk.difficulty.median), tk.difficulty.sigma));
    const c = rng.beta(tk.complexity.a, tk.complexity.b);
    out.push(c, rng.uniform(tk.risk[0], tk.risk[1]));
    if (total[Math.min(B - 1, Math.floor(c * B))] > 0) out.push(rng.next());
  }
  return out;
}

describe('task draws', () => {
  it.each([
    ['Beta(2, 2) complexity (the inlined generator)', { a: 2, b: 2 }],
    ['another complexity (the generator methods)', { a: 1.5, b: 3 }],
  ])(
    '%s: the same numbers in the same order as Rng, and the generator left where Rng leaves it',
    (_, complexity) => {
      const sim = new NetworkSim(loadScenario('quick', { tasks: { complexity } }));
      sim.reset(3);
      const bandTotal = (sim as unknown as { bandTotal: Float64Array }).bandTotal;
      for (const [trial, spare] of [0, 1, 2].map((t) => [t, t === 1] as const)) {
        // Some bands without weight (no assignment draw), and sometimes a spare normal deviate waiting.
        bandTotal.fill(1);
        if (trial === 2) bandTotal[0] = 0;
        if (spare) sim.rng.normal();
        const ref = Rng.fromState(sim.rng.state());
        const n = 257;
        const want = expected(sim, ref, n);
        (sim as unknown as { drawTasks(n: number): void }).drawTasks(n);
        const got: number[] = [];
        for (let j = 0; j < n; j++) {
          const c = sim.tC[j];
          got.push(sim.tD[j], c, sim.tEps[j]);
          if (bandTotal[Math.min(sim.scenario.tasks.bands - 1, Math.floor(c * sim.scenario.tasks.bands))] > 0)
            got.push(sim.tU[j]);
        }
        expect(got).toEqual(want);
        expect(sim.rng.state()).toEqual(ref.state());
      }
    },
  );
});
