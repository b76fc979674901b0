#!/usr/bin/env node
// The `copronet` command from the TypeScript sources, through tsx (development:
// no build needed). The package's own bin is the compiled dist/src/app/bin.js.
import { register } from 'tsx/esm/api';

// React's production build: the dashboard draws about twice as fast.
process.env.NODE_ENV ??= 'production';

register();
await import('../src/app/cli/main.ts');
