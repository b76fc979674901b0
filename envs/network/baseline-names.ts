/**
 * The names of the fixed baseline policies (docs/MODEL.md, "Baselines"),
 * without the policies: what the command line lists in its help and checks
 * options against, without loading the simulator. The policies themselves
 * are in `baselines.ts`, which re-exports these.
 */

export const BASELINES = [
  'paper-heuristic',
  'truthful',
  'random',
  'greedy',
  'conservative',
  'cost-plus',
] as const;
export type BaselineName = (typeof BASELINES)[number];

export function isBaseline(name: string): name is BaselineName {
  return (BASELINES as readonly string[]).includes(name);
}
