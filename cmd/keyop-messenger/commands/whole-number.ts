/** Commander argument parsers shared by the commands. */
import { InvalidArgumentError } from 'commander';

/**
 * A commander parser for a whole number >= 1; `what` names the unit in the error
 * (`expected a whole number of days >= 1`).
 */
export function wholeNumberAtLeastOne(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`expected a whole number of ${what} >= 1`);
    }
    return n;
  };
}
