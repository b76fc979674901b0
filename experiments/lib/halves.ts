/**
 * A fixed policy as half of one role's slots against a baseline half, over
 * seeds (each seed twice, halves swapped, as `copronet eval` runs its mixed
 * market), and the grid search the ceiling experiments run with it.
 */
import { makeBaseline } from '../../envs/network/baselines.ts';
import { mixedMarketHalves } from '../eval/evaluate.ts';
import type { Scenario } from '../../src/sim/scenario.ts';
import type { Policy, Role } from '../../src/sim/policy.ts';
import { type SeedBand, seedBand } from './stats.ts';

export interface HalvesOptions {
  scenario: Scenario;
  role: Role;
  seeds: readonly number[];
  /** The baseline the other half plays. */
  against: string;
  /** What the other role plays. */
  other: Policy;
}

export interface Halves {
  mine: SeedBand;
  theirs: SeedBand;
  /** mine - theirs, paired by seed. */
  diff: SeedBand;
}

/** Profit per agent of `mine`'s half and of the baseline half, over the seeds. */
export function halvesOverSeeds(mine: Policy, o: HalvesOptions): Halves {
  const a: number[] = [];
  const b: number[] = [];
  for (const seed of o.seeds) {
    const h = mixedMarketHalves({
      scenario: o.scenario,
      role: o.role,
      seed,
      learned: mine,
      baseline: () => makeBaseline(o.against, o.role, { scenario: o.scenario }),
      other: o.other,
    });
    a.push(h.learned);
    b.push(h.baseline);
  }
  return { mine: seedBand(a), theirs: seedBand(b), diff: seedBand(a.map((x, i) => x - b[i])) };
}

const f = (x: number) => x.toFixed(1);
const band = (b: SeedBand) => `${f(b.mean)} [${f(b.ciLo)}, ${f(b.ciHi)}]`;

/** Print every fixed policy's halves against `o.against` and the one with the largest mean difference. */
export function printGridAgainst(policies: readonly Policy[], o: HalvesOptions): void {
  console.log(
    `\nagainst a ${o.against} half: mine, theirs, mine - theirs (profit per agent, 95% t intervals)`,
  );
  let best = { name: '', diff: Number.NEGATIVE_INFINITY, apart: false };
  for (const p of policies) {
    const h = halvesOverSeeds(p, o);
    console.log(`  ${p.name.padEnd(22)} ${band(h.mine)}  ${band(h.theirs)}  ${band(h.diff)}`);
    if (h.diff.mean > best.diff)
      best = { name: p.name, diff: h.diff.mean, apart: h.mine.ciLo > h.theirs.ciHi };
  }
  console.log(
    `best against ${o.against}: ${best.name}, difference ${f(best.diff)}; the halves' intervals ${best.apart ? 'are apart' : 'overlap'}`,
  );
}
