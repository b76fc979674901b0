// The sandboxed processor of `copronet worker` from the TypeScript sources:
// registers tsx (as bin/dev.mjs does), then loads processor.ts.
import { register } from 'tsx/esm/api';

register();
const entry = await import('./processor.ts');

export default entry.default;
