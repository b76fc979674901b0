/**
 * The scenarios shipped with copronet, and `loadScenario`: a built-in name
 * (`paper`, `quick`, `tiny`, `auction-lab`) or a path to a scenario JSON file,
 * validated by the schema in `src/sim/scenario.ts`.
 *
 * The built-ins are imported as JSON modules, so they travel with the compiled
 * package and need no file lookup at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { deepMerge, parseScenario, type Scenario, ScenarioError } from '../../src/sim/scenario.ts';
import auctionLab from './auction-lab.json' with { type: 'json' };
import paper from './paper.json' with { type: 'json' };
import quick from './quick.json' with { type: 'json' };
import tiny from './tiny.json' with { type: 'json' };

const BUILTIN: Readonly<Record<string, unknown>> = {
  'auction-lab': auctionLab,
  paper,
  quick,
  tiny,
};

/** Names of the built-in scenarios, sorted. */
export function builtinScenarios(): string[] {
  return Object.keys(BUILTIN).sort();
}

/** The raw (unvalidated) JSON of a built-in scenario, or undefined. */
export function builtinScenarioJson(name: string): unknown {
  return Object.hasOwn(BUILTIN, name) ? structuredClone(BUILTIN[name]) : undefined;
}

/**
 * Load a scenario by built-in name (`paper`, `quick`, ...) or by path to a JSON
 * file, then apply overrides (a deep-partial object, e.g. `{slashing: {factor: 2}}`).
 * A built-in name wins over a file of the same name in the working directory.
 * A file lists only what differs from the defaults: without a `name`, it is
 * named after the file (`my-exp.json` is `my-exp`).
 */
export function loadScenario(nameOrPath: string, overrides?: Record<string, unknown>): Scenario {
  let raw = builtinScenarioJson(nameOrPath);
  let source = `built-in scenario '${nameOrPath}'`;
  if (raw === undefined) {
    const path = resolve(nameOrPath);
    if (!existsSync(path)) {
      throw new ScenarioError(
        `unknown scenario '${nameOrPath}': not a built-in (${builtinScenarios().join(', ')}) and no file at ${path}`,
      );
    }
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ScenarioError(`scenario file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    source = `scenario ${path}`;
    if (isObject(raw) && !Object.hasOwn(raw, 'name')) {
      raw = { name: basename(path, extname(path)) || basename(path), ...raw };
    }
  }
  const merged = overrides ? deepMerge(raw, overrides) : raw;
  return parseScenario(merged, source);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
