import { describe } from '../validate.ts';
import { Box } from './box.ts';
import { Dict } from './dict.ts';
import { Discrete } from './discrete.ts';
import { MultiBinary } from './multi-binary.ts';
import { MultiDiscrete } from './multi-discrete.ts';
import type { Space, SpaceJSON } from './space.ts';
import { Tuple } from './tuple.ts';

/**
 * Rebuild a space from its `toJSON()`. The generator is not part of the JSON:
 * the rebuilt space starts from `DEFAULT_SPACE_SEED` (call `seed()` to change it).
 */
// biome-ignore lint/suspicious/noExplicitAny: the element type is only known at run time
export function spaceFromJSON(json: SpaceJSON): Space<any> {
  switch (json?.type) {
    case 'Box':
      return Box.fromJSON(json);
    case 'Discrete':
      return Discrete.fromJSON(json);
    case 'MultiDiscrete':
      return MultiDiscrete.fromJSON(json);
    case 'MultiBinary':
      return MultiBinary.fromJSON(json);
    case 'Dict': {
      const spaces = json.spaces as Record<string, SpaceJSON>;
      return new Dict(Object.fromEntries(Object.entries(spaces).map(([k, v]) => [k, spaceFromJSON(v)])));
    }
    case 'Tuple':
      return new Tuple((json.spaces as SpaceJSON[]).map(spaceFromJSON));
    default:
      throw new TypeError(
        `spaceFromJSON: unknown space type ${describe(json?.type)}; expected the output of a space's toJSON() ` +
          '(type Box, Discrete, MultiDiscrete, MultiBinary, Dict or Tuple).',
      );
  }
}
