/**
 * What a trainer tells the outside world while it runs. The trainer exposes
 * these as an rxjs `Observable<TrainerEvent>` (`trainer.events$`); the
 * dashboard, the plain-log printer and the metrics writer all subscribe to it.
 */

/**
 * How to read the coprocessors' first action: `markup` (a bid markup over their
 * break-even price, under the scoring mechanisms) or `psi` (a reservation / ask
 * ratio of R, under qualified-dutch and reverse-dutch).
 */
export type BidReading = 'markup' | 'psi';

/** Market summary of the last period of a network episode. */
export interface MarketSnapshot {
  period: number;
  delegatedShare: number;
  /** Share of the period's tasks their operator ran itself (by choice, or when nobody accepted the auction). */
  selfExecutedShare: number;
  droppedShare: number;
  /** Mean clearing price of the delegated tasks, as a share of their reward R (0 when none was delegated). */
  meanPriceRatio: number;
  /** The scenario's auction mechanism (`auction.mechanism`); '' when unknown (market lines of older runs). */
  mechanism: string;
  /** Which of `meanMarkup` / `meanPsi` the coprocessors' first action means under `mechanism`. */
  bidReading: BidReading;
  /**
   * Coprocessors' mean bid markup over their break-even price (their first action read as a markup).
   * This and the five choices below average the period's actions over the agents active in it; NaN when
   * unknown (market lines of older runs).
   */
  meanMarkup: number;
  /** Coprocessors' mean reservation / ask ratio psi of R (the same first action read as psi). */
  meanPsi: number;
  /** Coprocessors' mean load cap kappa in [0, 1]. */
  meanKappa: number;
  /** Coprocessors' mean shirk probability (0 when the scenario does not let them shirk). */
  meanShirk: number;
  /** Operators' mean eta: the auction's start price / payment cap as a share of R. */
  meanEta: number;
  /** Operators' mean self-execution risk threshold theta (already scaled to [0, execution.thetaMax]). */
  meanTheta: number;
  failures: number;
  slashes: number;
  undetectedShirks: number;
  activeOperators: number;
  activeCoprocessors: number;
  /** Load of every coprocessor slot this period (NaN for inactive ones). */
  coprocessorLoads: Float32Array;
  /** Reputation (success probability) of every slot, per role. */
  reputations: Record<string, Float32Array>;
  /** The optimal load L* of the scenario's load curve. */
  optimalLoad: number;
}

export type TrainerEvent =
  | {
      type: 'start';
      runName: string;
      scenario: string;
      backend: string;
      seed: number;
      totalTimesteps: number;
      roles: string[];
      /** Best baseline's mean episodic return per role, for the learning-curve reference line. */
      baselineReturns?: Record<string, number>;
    }
  | {
      type: 'iteration';
      iteration: number;
      globalStep: number;
      elapsedSec: number;
      /** Namespaced metrics, e.g. `charts/SPS`, `losses/policy_loss/operator`, `charts/episodic_return/coprocessor`. */
      metrics: Record<string, number>;
    }
  | { type: 'market'; globalStep: number; market: MarketSnapshot }
  | {
      type: 'checkpoint';
      globalStep: number;
      path: string;
      reason: 'periodic' | 'manual' | 'final' | 'interrupt';
    }
  | { type: 'best'; globalStep: number; role: string; value: number }
  | { type: 'ejection'; globalStep: number; agent: string; period: number }
  | { type: 'paused'; paused: boolean }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'done'; globalStep: number; reason: 'budget' | 'interrupt' | 'quit' };
