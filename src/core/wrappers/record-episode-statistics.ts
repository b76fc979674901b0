import type { Env, Info, ResetOptions, StepResult } from '../env.ts';
import { Wrapper } from './wrapper.ts';

/** What `RecordEpisodeStatistics` puts in `info.episode` when an episode ends. */
export interface EpisodeStatistics {
  /** Sum of the episode's rewards. */
  r: number;
  /** Number of steps. */
  l: number;
  /** Wall-clock seconds since the episode's reset. */
  t: number;
}

/** Options of `RecordEpisodeStatistics`. */
export interface RecordEpisodeStatisticsOptions {
  /**
   * How many recent episodes `returnQueue`, `lengthQueue` and `timeQueue` keep.
   * @default 100
   */
  bufferLength?: number;
}

/**
 * Track episode return, length and duration (Gymnasium's
 * `RecordEpisodeStatistics`): the step that ends an episode gets
 * `info.episode = { r, l, t }`, and the last `bufferLength` episodes are kept
 * in `returnQueue`, `lengthQueue`, `timeQueue`.
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  /** Episodes finished since construction. */
  episodeCount = 0;
  private readonly bufferLength: number;
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeStart = 0;

  constructor(env: Env<Obs, Act>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    this.bufferLength = options.bufferLength ?? 100;
    if (!Number.isInteger(this.bufferLength) || this.bufferLength <= 0) {
      throw new RangeError(
        `RecordEpisodeStatistics: bufferLength must be a positive integer, got ${this.bufferLength}.`,
      );
    }
  }

  override reset(opts?: ResetOptions): { observation: Obs; info: Info } {
    const r = super.reset(opts);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeStart = performance.now();
    return r;
  }

  override step(action: Act): StepResult<Obs> {
    const r = super.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength++;
    if (!r.terminated && !r.truncated) return r;
    const episode: EpisodeStatistics = {
      r: this.episodeReturn,
      l: this.episodeLength,
      t: Math.round(performance.now() - this.episodeStart) / 1000,
    };
    this.push(this.returnQueue, episode.r);
    this.push(this.lengthQueue, episode.l);
    this.push(this.timeQueue, episode.t);
    this.episodeCount++;
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeStart = performance.now();
    return { ...r, info: { ...r.info, episode } };
  }

  private push(queue: number[], v: number): void {
    queue.push(v);
    if (queue.length > this.bufferLength) queue.shift();
  }
}
