/**
 * The floors of the house (README "Layout") and the relative imports of a
 * source file, for test/layers.test.ts.
 */
import { dirname, join, relative } from 'node:path';

/** Floors, lowest first; a path belongs to the first prefix it starts with. */
const FLOORS: readonly [string, number][] = [
  ['src/core/', 0],
  ['src/sim/', 1],
  ['envs/', 2],
  ['agents/', 3],
  ['experiments/', 4],
  // The public API re-exports the floors under the application, never the application.
  ['src/index.ts', 4.5],
  ['src/app/', 5],
];

export function floorOf(path: string): number | undefined {
  for (const [prefix, floor] of FLOORS) if (path === prefix || path.startsWith(prefix)) return floor;
  return undefined;
}

/** Relative specifiers of `import ... from`, `export ... from`, `import(...)` and `new URL(..., import.meta.url)`. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
  for (const m of text.matchAll(re)) out.push(m[2]);
  return out;
}

/** Every import of `files` (repo-relative path -> text) that points to a higher floor, as `from -> to`. */
export function upwardImports(files: ReadonlyMap<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, text] of files) {
    const from = floorOf(file);
    if (from === undefined) continue;
    for (const spec of importsOf(text)) {
      const target = relative('.', join(dirname(file), spec)).replaceAll('\\', '/');
      const to = floorOf(target);
      if (to === undefined) bad.push(`${file} -> ${target} (outside every floor)`);
      else if (to > from) bad.push(`${file} (floor ${from}) -> ${target} (floor ${to})`);
    }
  }
  return bad;
}
