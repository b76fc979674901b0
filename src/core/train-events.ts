/**
 * What a trainer tells the outside world while it runs. The trainer exposes
 * these as an rxjs `Observable<TrainerEvent>` (`trainer.events$`); the
 * dashboard, the plain-log printer and the metrics writer all subscribe to it.
 */

/** Market summary of the last period of a network episode. */
export interface MarketSnapshot {
  period: number;
  delegatedShare: number;
  selfExecutedShare: number;
  droppedShare: number;
  meanPriceRatio: number;
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
