export {
  BatchObsNormalizer,
  type BatchObsNormalizerJSON,
  type BatchObsNormalizerOptions,
} from './batch-obs-normalizer.ts';
export { ClipAction } from './clip-action.ts';
export { NormalizeObservation, type NormalizeObservationOptions } from './normalize-observation.ts';
export {
  type EpisodeStatistics,
  RecordEpisodeStatistics,
  type RecordEpisodeStatisticsOptions,
} from './record-episode-statistics.ts';
export { RescaleAction } from './rescale-action.ts';
export { TimeLimit } from './time-limit.ts';
export { Wrapper } from './wrapper.ts';
