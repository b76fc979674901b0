import { describe, expect, it } from 'vitest';
import { runAuctionTheory } from '../experiments/auction-theory.ts';

/**
 * The whole stack (scenario, baselines, simulator, settlement) against auction
 * theory, in `auction-lab` where every task is an independent auction: one
 * coprocessor bids a fixed markup over a truthful field, 200 seeds.
 */
describe('checks against auction theory', () => {
  const r = runAuctionTheory({ seeds: 200, grid: [-0.05, 0, 0.05, 0.15] });
  const check = (m: string) => {
    const c = r.checks.find((x) => x.mechanism === m);
    if (!c) throw new Error(`no check for ${m}`);
    return c;
  };

  it('second-price: truthful bidding (markup 0) earns the most, both neighbours below it with paired 95% intervals apart', () => {
    const c = check('second-price');
    expect(c.best).toBe(0);
    for (const p of c.points.filter((x) => x.markup !== 0)) expect(p.vsTruthful.ciHi).toBeLessThan(0);
    expect(c.holds).toBe(true);
  });

  it.each(['first-price', 'scoring-dutch'])(
    '%s: a single deviator shades its bid: the best markup is positive',
    (m) => {
      const c = check(m);
      expect(c.best).toBeGreaterThan(0);
      const best = c.points.find((p) => p.markup === c.best);
      expect(best?.vsTruthful.ciLo).toBeGreaterThan(0);
      // Bidding below cost loses money when the price is the own bid.
      expect(c.points.find((p) => p.markup === -0.05)?.vsTruthful.ciHi).toBeLessThan(0);
      expect(c.holds).toBe(true);
    },
  );

  it('capacity never binds in auction-lab: the deviator wins more the lower it bids', () => {
    for (const c of r.checks) {
      const shares = c.points.map((p) => p.winShare);
      for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeLessThan(shares[i - 1]);
    }
  });
});
