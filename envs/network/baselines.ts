/**
 * Fixed baseline policies (docs/MODEL.md, "Baselines"), per role. They read
 * only their observation (and the scenario's public constants), so they are
 * valid policies in the environment, usable in `simulate`, as training
 * opponents and in evaluation. Each means something under every mechanism:
 * under the scoring mechanisms a coprocessor's first action is a markup over
 * its own break-even price (the simulator prices each task), under
 * qualified-dutch and reverse-dutch a reservation / ask ratio of R.
 */
import { isScoringMechanism, SCORING_MECHANISMS, type Scenario } from '../../src/sim/scenario.ts';
import { Rng } from '../../src/core/rng.ts';
import { actionForMarkup, actionForShirk } from '../../src/sim/network.ts';
import { COPROCESSOR_OBS, OPERATOR_OBS } from '../../src/sim/observation.ts';
import type { Policy, PolicySet, Role } from '../../src/sim/policy.ts';
import { BASELINES, type BaselineName, isBaseline } from './baseline-names.ts';

export { BASELINES, type BaselineName, isBaseline } from './baseline-names.ts';

// Observation offsets, by name (src/sim/observation.ts).
const OP_UNIT_COST = OPERATOR_OBS.at.unit_cost;
const OP_PRICE = OPERATOR_OBS.at.price_ratio;
const CP_UNIT_COST = COPROCESSOR_OBS.at.unit_cost;
const CP_FAIL = COPROCESSOR_OBS.at.failure_rate;
const CP_MALICIOUS = COPROCESSOR_OBS.at.malicious;

export interface BaselineContext {
  scenario: Scenario;
  /** Seed for the random baseline. @default scenario.seed */
  seed?: number;
}

/** The baseline policy `name` for `role`; `markup=<mu>` is a coprocessor bidding the fixed markup mu (see `markupPolicy`). */
export function makeBaseline(name: string, role: Role, ctx: BaselineContext): Policy {
  const fixed = /^markup=(.*)$/.exec(name);
  if (fixed) {
    const mu = Number(fixed[1]);
    if (role !== 'coprocessor' || fixed[1].trim() === '' || !Number.isFinite(mu)) {
      throw new Error(
        role !== 'coprocessor'
          ? `policy '${name}' is a coprocessor bid; operators take one of ${BASELINES.join(', ')}`
          : `policy '${name}': the markup must be a number, e.g. markup=0.1`,
      );
    }
    return markupPolicy(ctx.scenario, mu);
  }
  if (!isBaseline(name)) {
    throw new Error(
      `unknown baseline policy '${name}': choose one of ${BASELINES.join(', ')} (or markup=<mu> for coprocessors)`,
    );
  }
  const s = ctx.scenario;
  const cpDim = s.coprocessors.allowShirking ? 3 : 2;
  if (name === 'random') return randomPolicy(role === 'operator' ? 2 : cpDim, new Rng(ctx.seed ?? s.seed));
  return role === 'operator' ? operatorBaseline(name, s) : coprocessorBaseline(name, s, cpDim);
}

/** The same baseline for both roles. */
export function makeBaselineSet(name: string, ctx: BaselineContext): PolicySet {
  return {
    operator: makeBaseline(name, 'operator', ctx),
    coprocessor: makeBaseline(name, 'coprocessor', ctx),
  };
}

/**
 * Coprocessors that bid a fixed markup over their break-even price (one per
 * slot, or the same for all), with a load cap `opts.kappa` (default 1: none) and no shirking: the fixed
 * bidders of the checks against auction theory. The markup needs a scoring
 * mechanism and must lie in `auction.markupRange`; anything else is an error
 * that names the field.
 */
export function markupPolicy(
  s: Scenario,
  markups: number | ArrayLike<number>,
  opts: { kappa?: number } = {},
): Policy {
  const m = s.auction.mechanism;
  if (!isScoringMechanism(m)) {
    throw new Error(
      `a markup bid needs a scoring mechanism, but auction.mechanism is '${m}' (its first coprocessor action is a ` +
        `reservation / ask ratio psi): set auction.mechanism to one of ${SCORING_MECHANISMS.join(', ')}`,
    );
  }
  const [lo, hi] = s.auction.markupRange;
  const per = typeof markups === 'number' ? [markups] : Array.from(markups);
  const bad = per.find((mu) => !(mu >= lo && mu <= hi));
  if (bad !== undefined) {
    throw new Error(
      `markup ${bad} is outside auction.markupRange [${lo}, ${hi}]: widen the range or bid within it`,
    );
  }
  const actions = per.map((mu) => actionForMarkup(mu, lo, hi));
  const w = s.coprocessors.allowShirking ? 3 : 2;
  const kappa = opts.kappa ?? 1;
  const name = typeof markups === 'number' ? `markup=${markups}` : 'markups';
  return {
    name: opts.kappa === undefined ? name : `${name}, kappa ${kappa}`,
    act(_obs, _active, n, out) {
      for (let k = 0; k < n; k++) {
        out[w * k] = actions[actions.length === 1 ? 0 : k];
        out[w * k + 1] = kappa;
        if (w === 3) out[w * k + 2] = 0;
      }
    },
  };
}

function randomPolicy(dim: number, seeded: Rng): Policy {
  let rng = seeded;
  return {
    name: 'random',
    act(_obs, _active, n, out) {
      for (let q = 0; q < n * dim; q++) out[q] = rng.next();
    },
    snapshot: () => rng.state(),
    restore(state) {
      rng = Rng.fromState(state as ReturnType<Rng['state']>);
    },
  };
}

const clip = (x: number) => (x > 1 ? 1 : x > 0 ? x : 0);

function operatorBaseline(name: Exclude<BaselineName, 'random'>, s: Scenario): Policy {
  const thetaMax = s.execution.thetaMax;
  // "Executes when its resources and capability suffice": accept the task's own risk, nothing more.
  const paperTheta = clip((s.tasks.risk[1] + 0.02) / thetaMax);
  const D = OPERATOR_OBS.dim;
  const meanPremium = 1 + s.tasks.complexityPremium * 0.5;
  const sigmaS = s.slashing.factor * s.tasks.slashRatio;
  return {
    name,
    act(obs, _active, n, out) {
      for (let i = 0; i < n; i++) {
        let theta: number;
        let eta: number;
        if (name === 'paper-heuristic' || name === 'truthful') {
          // An operator has nothing to report truthfully: truthful operators follow the paper's rule.
          theta = paperTheta;
          eta = 0.95;
        } else if (name === 'greedy') {
          theta = 0; // delegate everything
          eta = 1;
        } else if (name === 'conservative') {
          theta = paperTheta * 0.5;
          eta = 0.9;
        } else {
          // cost-plus: self-execute while the expected self profit beats delegating at last period's price.
          const price = obs[i * D + OP_PRICE] > 0 ? obs[i * D + OP_PRICE] : 0.9;
          const costRatio = obs[i * D + OP_UNIT_COST] / meanPremium;
          theta = clip((price - costRatio) / (1 + sigmaS) / thetaMax);
          eta = clip(price + 0.05);
        }
        out[2 * i] = theta;
        out[2 * i + 1] = eta;
      }
    },
  };
}

/**
 * Coprocessor baselines: (markup under the scoring mechanisms, reservation ratio psi otherwise), load cap, shirking.
 *
 * | baseline        | markup        | psi (qualified-dutch, reverse-dutch)            | load cap   | shirks          |
 * | --------------- | ------------- | ----------------------------------------------- | ---------- | --------------- |
 * | paper-heuristic | 0.2           | 1.2 x unit cost / R per unit                     | 1          | malicious, rate |
 * | truthful        | 0             | break-even ratio at last period's failure rate   | 1          | never           |
 * | greedy          | lowest        | 0 (accept any price)                             | 1          | malicious, rate |
 * | conservative    | 0.5           | 1.5 x unit cost / R per unit                     | L*         | malicious, rate |
 * | cost-plus       | 0.1           | 1.1 x break-even ratio                           | L* + 0.1   | when it pays    |
 */
function coprocessorBaseline(name: Exclude<BaselineName, 'random'>, s: Scenario, w: number): Policy {
  const D = COPROCESSOR_OBS.dim;
  const Ls = s.loadCurve.optimalLoad;
  const shirkRate = s.coprocessors.maliciousShirkRate;
  const sigmaChiS = s.slashing.factor * s.auction.collateralRatio * s.tasks.slashRatio;
  const pDetect = s.slashing.detectionProbability;
  const minPremium = 1;
  const scoring = isScoringMechanism(s.auction.mechanism);
  const [lo, hi] = s.auction.markupRange;
  const markup = (mu: number) => actionForMarkup(mu, lo, hi);
  return {
    name,
    act(obs, _active, n, out) {
      for (let k = 0; k < n; k++) {
        const o = k * D;
        const costRatio = obs[o + CP_UNIT_COST] / minPremium;
        const malicious = obs[o + CP_MALICIOUS] > 0.5;
        let bid: number;
        let kappa: number;
        let e = malicious ? shirkRate : 0;
        if (name === 'paper-heuristic') {
          bid = scoring ? markup(0.2) : costRatio * 1.2; // cost-plus reservation
          kappa = 1; // accept while there is capacity
        } else if (name === 'truthful') {
          // The break-even price: its own expected cost over the chance of being paid.
          const fail = Math.min(0.99, obs[o + CP_FAIL]);
          bid = scoring ? markup(0) : (costRatio + fail * sigmaChiS) / (1 - fail);
          kappa = 1;
          e = 0;
        } else if (name === 'greedy') {
          bid = scoring ? markup(lo) : 0;
          kappa = 1;
        } else if (name === 'conservative') {
          bid = scoring ? markup(0.5) : costRatio * 1.5;
          kappa = Ls; // keep the load under L*
        } else {
          // cost-plus: break-even on cost plus the expected slash at last period's failure rate.
          const fail = obs[o + CP_FAIL];
          bid = scoring ? markup(0.1) : (costRatio + fail * sigmaChiS) * 1.1;
          kappa = Math.min(1, Ls + 0.1);
          // A malicious cost-plus agent shirks when it pays in expectation at a typical price of 0.9 R.
          e = malicious && costRatio > pDetect * (0.9 + sigmaChiS) ? 1 : 0;
        }
        out[w * k] = clip(bid);
        out[w * k + 1] = clip(kappa);
        if (w === 3) out[w * k + 2] = actionForShirk(e);
      }
    },
  };
}
