import { InvalidArgumentError } from "commander";
import { usageError } from "./cli-error.js";

/** Commander's collector for repeatable options (`--input a=1 --input b=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Splits `name=value` at the first `=`; anything else is a usage error naming the option. */
export function splitPair(pair: string, option: string, expected: string): [string, string] {
  const at = pair.indexOf("=");
  if (at <= 0) throw usageError(`${option}: expected ${expected}, got ${JSON.stringify(pair)}`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** A parser for whole-number options from `min` to `max`, with commander's usage error otherwise. */
function wholeNumber(min: number, max: number, expected: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`expected ${expected}, got ${JSON.stringify(value)}`);
    }
    return number;
  };
}

export const positiveInteger = wholeNumber(1, Number.MAX_SAFE_INTEGER, "a whole number of at least 1");
export const nonNegativeInteger = wholeNumber(0, Number.MAX_SAFE_INTEGER, "a whole number of at least 0");
export const portNumber = wholeNumber(0, 65535, "a port number from 0 to 65535");
