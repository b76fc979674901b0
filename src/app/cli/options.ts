/**
 * Parsers for command-line option values: errors name the option.
 */
import { InvalidArgumentError } from 'commander';

/** An integer option; `name` appears in the error. */
export function parseIntOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${value}'.`);
    return n;
  };
}

/** A positive integer option. */
export function parsePositiveIntOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'.`);
    return n;
  };
}
