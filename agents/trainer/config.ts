/**
 * Which learner a trainer runs and its resolved hyperparameters. The fields and
 * their defaults live in agents/ppo/config.ts and agents/reinforce/config.ts.
 */
import { type PpoConfig, PpoConfigSchema } from '../ppo/config.ts';
import { type ReinforceConfig, ReinforceConfigSchema } from '../reinforce/config.ts';

export type Algo = 'ppo' | 'reinforce';
export type LearnerConfig = PpoConfig | ReinforceConfig;

/** Parse a (partial) config for an algorithm, filling defaults; errors name the bad fields. */
export function resolveConfig(algo: Algo, input: Record<string, unknown> = {}): LearnerConfig {
  const schema = algo === 'ppo' ? PpoConfigSchema : ReinforceConfigSchema;
  const res = schema.strict().safeParse(input);
  if (!res.success) {
    const issues = res.error.issues
      .map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('\n');
    throw new Error(
      `Invalid ${algo} config:\n${issues}\nFix the value in the --config file or the --set override; ` +
        'every field and its default is documented in agents/' +
        `${algo}/config.ts.`,
    );
  }
  return res.data;
}
