/**
 * The code version of this process: the package version plus a hash of the
 * code that runs, the TypeScript sources (src, envs, agents, experiments) when
 * run through tsx, the compiled `dist/` otherwise. A job carries the version
 * of the coordinator that enqueued it and a worker of another version refuses
 * it (README "Sweeps on several machines"): a result is only reused when the
 * code that computed it is the code that asked for it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders whose files make the code version. */
const CODE_DIRS = ['src', 'envs', 'agents', 'experiments'];

let cached: string | undefined;

/** The package root (the folder of copronet's package.json) above `from`. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'copronet') return dir;
      } catch {
        // not ours: keep looking
      }
    }
    if (dirname(dir) === dir) throw new Error(`no copronet package.json above ${from}`);
  }
}

/** `<version>+src.<hash>` from the sources, `<version>+dist.<hash>` from the compiled package. */
export function codeVersion(): string {
  if (cached) return cached;
  // The worker passes its version to its sandboxed processes (experiments/jobs/worker.ts).
  const given = process.env.COPRONET_CODE_VERSION;
  if (given) return (cached = given);
  const root = packageRoot();
  const fromSources = import.meta.url.endsWith('.ts');
  const base = fromSources ? root : join(root, 'dist');
  const keep = fromSources
    ? (f: string) => /\.(ts|tsx|mjs|json)$/.test(f)
    : (f: string) => /\.(js|mjs|json)$/.test(f) && !f.endsWith('.d.ts');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (keep(name)) files.push(path);
    }
  };
  for (const d of CODE_DIRS) if (existsSync(join(base, d))) walk(join(base, d));
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(relative(base, f).replaceAll('\\', '/'));
    hash.update('\0');
    hash.update(readFileSync(f));
    hash.update('\0');
  }
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  cached = `${version}+${fromSources ? 'src' : 'dist'}.${hash.digest('hex').slice(0, 12)}`;
  return cached;
}

/** What to tell the owner of a worker whose code version is not the coordinator's. */
export function versionHint(worker: string, coordinator: string): string {
  const flavour = (v: string) => /\+(src|dist)\./.exec(v)?.[1];
  if (flavour(worker) && flavour(coordinator) && flavour(worker) !== flavour(coordinator)) {
    return 'one runs the compiled dist/ (npx copronet), the other the TypeScript sources (npm run dev): start both the same way';
  }
  return 'check out the same commit on both machines (git pull, npm ci, npm run build) and start the worker again';
}
