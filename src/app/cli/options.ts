/**
 * Parsers for command-line option values: errors name the option. Light on
 * purpose (commander and src/core/validate.ts only): the commands' registrations
 * import them, and `<command> --help` must not load zod (test/cli-lazy.test.ts).
 */
import { InvalidArgumentError } from 'commander';
import { isSeed, SEED_RULE } from '../../core/validate.ts';

/** The number `value` spells, or NaN for empty text (which `Number` reads as 0). */
function toNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** An integer option; `name` appears in the error. */
export function parseIntOption(name: string) {
  return (value: string): number => {
    const n = toNumber(value);
    if (!Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be an integer, got '${value}'.`);
    return n;
  };
}

/** A positive integer option. */
export function parsePositiveIntOption(name: string) {
  return (value: string): number => {
    const n = toNumber(value);
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'.`);
    return n;
  };
}

/**
 * A seed option (`--seed`, `--seed-start`): decimal digits only, a non-negative
 * safe integer (`SEED_RULE`, the rule of the scenario's `seed` and of `env.reset`).
 * `99999999999999999999` is refused, not rounded to 1e20.
 */
export function parseSeedOption(name: string) {
  return (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!isSeed(n)) throw new InvalidArgumentError(`${name} must be ${SEED_RULE}, got '${value}'.`);
    return n;
  };
}
