/**
 * The URL of a worker thread's entry file next to the module `base`
 * (`import.meta.url`). Run from the TypeScript sources (through tsx), a worker
 * starts from `<name>.dev.mjs`, which registers tsx and loads `<name>.ts`; in
 * the compiled package it starts from the compiled `<name>.js` directly.
 */
export function workerEntry(base: string, name: string): URL {
  const fromSources = base.endsWith('.ts') || base.endsWith('.tsx');
  return new URL(fromSources ? `./${name}.dev.mjs` : `./${name}.js`, base);
}
