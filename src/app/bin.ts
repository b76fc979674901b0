#!/usr/bin/env node
/**
 * The `copronet` command (the package's bin, compiled to dist/src/app/bin.js).
 * Commands load lazily, so `copronet --help` starts in a fraction of a second.
 */

// React's production build: the dashboard draws about twice as fast.
process.env.NODE_ENV ??= 'production';

await import('./cli/main.ts');
