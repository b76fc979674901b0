/**
 * Gymnasium's CartPole-v1 (gymnasium/envs/classic_control/cartpole.py), ported
 * faithfully: the same constants, Euler integration, termination thresholds,
 * reward 1 per step (sutton_barto_reward off), reset state uniform in
 * [-0.05, 0.05]^4 from the env's seeded generator, and the same warning when
 * `step` is called after termination. The 500-step truncation of CartPole-v1
 * comes from the registry's `TimeLimit` (see `envs/classic/index.ts`).
 *
 * Observation: [cart position, cart velocity, pole angle (rad), pole angular velocity].
 * Action: 0 pushes the cart left, 1 pushes it right.
 */
import type { Env, EnvMetadata, Info, ResetOptions, StepResult } from '../../src/core/env.ts';
import { Rng } from '../../src/core/rng.ts';
import { Box, Discrete } from '../../src/core/spaces/index.ts';

const FLOAT32_MAX = 3.4028234663852886e38;

export interface CartPoleOptions {
  /** `'ansi'` for a text picture from `render()`, or undefined. */
  renderMode?: string;
  /** Gymnasium's `sutton_barto_reward`: 0 per step, -1 on termination. @default false */
  suttonBartoReward?: boolean;
}

export class CartPoleEnv implements Env<Float32Array, number> {
  // Constants of gymnasium's CartPoleEnv.
  readonly gravity = 9.8;
  readonly masscart = 1.0;
  readonly masspole = 0.1;
  readonly totalMass = this.masspole + this.masscart;
  /** Actually half the pole's length. */
  readonly length = 0.5;
  readonly polemassLength = this.masspole * this.length;
  readonly forceMag = 10.0;
  /** Seconds between state updates. */
  readonly tau = 0.02;
  readonly kinematicsIntegrator: 'euler' | 'semi-implicit-euler' = 'euler';
  /** Angle at which to fail the episode: 12 degrees. */
  readonly thetaThresholdRadians = (12 * 2 * Math.PI) / 360;
  readonly xThreshold = 2.4;

  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly metadata: EnvMetadata = { renderModes: ['ansi'], renderFps: 50 };
  readonly renderMode?: string;
  readonly suttonBartoReward: boolean;

  /** The state in float64, as gymnasium keeps it: [x, x_dot, theta, theta_dot]. */
  state: [number, number, number, number] | null = null;
  private rng = new Rng(0);
  private stepsBeyondTerminated: number | null = null;

  constructor(opts: CartPoleOptions = {}) {
    if (opts.renderMode !== undefined && !this.metadata.renderModes.includes(opts.renderMode)) {
      throw new Error(`CartPole: unsupported render mode '${opts.renderMode}'; supported: 'ansi' (or none).`);
    }
    this.renderMode = opts.renderMode;
    this.suttonBartoReward = opts.suttonBartoReward ?? false;
    const high = [this.xThreshold * 2, FLOAT32_MAX, this.thetaThresholdRadians * 2, FLOAT32_MAX];
    this.observationSpace = new Box(
      high.map((h) => -h),
      high,
      [4],
    );
    this.actionSpace = new Discrete(2);
  }

  /**
   * Start an episode. `seed` reseeds the env's generator; `options.low` / `options.high`
   * change the bounds of the uniform initial state (default -0.05 / 0.05).
   */
  reset(opts: ResetOptions = {}): { observation: Float32Array; info: Info } {
    if (opts.seed !== undefined) {
      if (!Number.isInteger(opts.seed))
        throw new TypeError(`CartPole.reset: seed must be an integer, got ${opts.seed}.`);
      this.rng = new Rng(opts.seed);
    }
    const low = (opts.options?.low as number | undefined) ?? -0.05;
    const high = (opts.options?.high as number | undefined) ?? 0.05;
    if (!(low <= high))
      throw new RangeError(`CartPole.reset: options.low (${low}) must not exceed options.high (${high}).`);
    this.state = [
      this.rng.uniform(low, high),
      this.rng.uniform(low, high),
      this.rng.uniform(low, high),
      this.rng.uniform(low, high),
    ];
    this.stepsBeyondTerminated = null;
    return { observation: Float32Array.from(this.state), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(
        `CartPole: ${JSON.stringify(action)} (${typeof action}) is an invalid action; use 0 (push left) or 1 (push right).`,
      );
    }
    if (this.state === null) throw new Error('CartPole: call reset() before using step().');
    let [x, xDot, theta, thetaDot] = this.state;
    const force = action === 1 ? this.forceMag : -this.forceMag;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);

    // For the interested reader: https://coneural.org/florian/papers/05_cart_pole.pdf
    const temp = (force + this.polemassLength * thetaDot * thetaDot * sintheta) / this.totalMass;
    const thetaacc =
      (this.gravity * sintheta - costheta * temp) /
      (this.length * (4.0 / 3.0 - (this.masspole * costheta * costheta) / this.totalMass));
    const xacc = temp - (this.polemassLength * thetaacc * costheta) / this.totalMass;

    if (this.kinematicsIntegrator === 'euler') {
      x = x + this.tau * xDot;
      xDot = xDot + this.tau * xacc;
      theta = theta + this.tau * thetaDot;
      thetaDot = thetaDot + this.tau * thetaacc;
    } else {
      xDot = xDot + this.tau * xacc;
      x = x + this.tau * xDot;
      thetaDot = thetaDot + this.tau * thetaacc;
      theta = theta + this.tau * thetaDot;
    }
    this.state = [x, xDot, theta, thetaDot];

    const terminated =
      x < -this.xThreshold ||
      x > this.xThreshold ||
      theta < -this.thetaThresholdRadians ||
      theta > this.thetaThresholdRadians;

    let reward: number;
    if (!terminated) {
      reward = this.suttonBartoReward ? 0.0 : 1.0;
    } else if (this.stepsBeyondTerminated === null) {
      // Pole just fell!
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBartoReward ? -1.0 : 1.0;
    } else {
      if (this.stepsBeyondTerminated === 0) {
        console.warn(
          "You are calling 'step()' even though this environment has already returned terminated = True. " +
            "You should always call 'reset()' once you receive 'terminated = True' -- any further steps are undefined behavior.",
        );
      }
      this.stepsBeyondTerminated += 1;
      reward = this.suttonBartoReward ? -1.0 : 0.0;
    }
    return { observation: Float32Array.from(this.state), reward, terminated, truncated: false, info: {} };
  }

  /** With `renderMode: 'ansi'`: the track, the cart `[#]` and the pole's lean. */
  render(): string | undefined {
    if (this.renderMode !== 'ansi') return undefined;
    if (this.state === null) return 'CartPole (not reset)';
    const width = 41;
    const [x, , theta] = this.state;
    const pos = Math.round(((x + this.xThreshold) / (2 * this.xThreshold)) * (width - 1));
    const cells = Array.from({ length: width }, () => '-');
    const c = Math.min(width - 1, Math.max(0, pos));
    cells[c] = '#';
    const lean = theta > 0.02 ? '/' : theta < -0.02 ? '\\' : '|';
    const top = Array.from({ length: width }, (_, i) => (i === c ? lean : ' ')).join('');
    return `${top}\n${cells.join('')}\nx=${x.toFixed(3)} theta=${((theta * 180) / Math.PI).toFixed(2)}deg`;
  }

  close(): void {}
}
