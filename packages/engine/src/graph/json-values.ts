import { echo } from "../flow/echo.js";
import { MAX_DESCRIBED_VALUE_LENGTH } from "../limits.js";
import { SECRET_MASK, Secret } from "../secrets/secret.js";

/** What comparing two values found: whether they are equal, and whether a secret took part. */
export interface Equality {
  equal: boolean;
  /** A `Secret` was met on either side (its text was compared): the values must not be shown. */
  secret: boolean;
}

/**
 * Deep equality of JSON values, as `when` comparisons use it: numbers, strings, booleans and null
 * by value, arrays item by item, objects by their fields in any order. A `Secret` compares as its
 * text; a missing value (`undefined`) equals `null`, and a field holding `undefined` counts as
 * absent, as in JSON. Iterative, so values nested deeper than the stack compare too; a pair of
 * objects met again (values that contain themselves) is not compared twice.
 */
export function compareJsonValues(left: unknown, right: unknown): Equality {
  const result: Equality = { equal: true, secret: false };
  const pending: unknown[] = [left, right];
  const seen: Meetings = new Map();
  while (pending.length > 0) {
    let b = pending.pop();
    let a = pending.pop();
    if (a instanceof Secret) {
      result.secret = true;
      a = a.reveal();
    }
    if (b instanceof Secret) {
      result.secret = true;
      b = b.reveal();
    }
    a ??= null;
    b ??= null;
    if (a === b) continue;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
      result.equal = false;
      return result;
    }
    if (Array.isArray(a) !== Array.isArray(b)) {
      result.equal = false;
      return result;
    }
    if (!firstMeeting(seen, a, b)) continue;
    if (Array.isArray(a)) {
      const other = b as unknown[];
      if (a.length !== other.length) {
        result.equal = false;
        return result;
      }
      for (let index = 0; index < a.length; index++) pending.push(a[index], other[index]);
      continue;
    }
    const aFields = definedKeys(a);
    const bFields = definedKeys(b);
    if (aFields.length !== bFields.length) {
      result.equal = false;
      return result;
    }
    for (const key of aFields) {
      if (!Object.hasOwn(b, key) || (b as Record<string, unknown>)[key] === undefined) {
        result.equal = false;
        return result;
      }
      pending.push((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]);
    }
  }
  return result;
}

/** For each object on the left, the object or objects it was compared with: one, nearly always. */
type Meetings = Map<object, object | Partners>;

/** Its own class: a `Set` the values hold must never be taken for one of these. */
class Partners extends Set<object> {}

/** Records that `a` is compared with `b`; `false` if it was already. */
function firstMeeting(seen: Meetings, a: object, b: object): boolean {
  const met = seen.get(a);
  if (met === undefined) {
    seen.set(a, b);
    return true;
  }
  if (met === b) return false;
  if (!(met instanceof Partners)) {
    seen.set(a, new Partners([met, b]));
    return true;
  }
  if (met.has(b)) return false;
  met.add(b);
  return true;
}

function definedKeys(value: object): string[] {
  return Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
}

/**
 * A value as short JSON-like text for a message: strings quoted (long ones cut, see `echo`),
 * arrays and objects written out until `maxLength` characters, then `…`. A `Secret` shows as its
 * mask; a missing value as `nothing`. The text grows only as far as the budget, whatever the size
 * or depth of the value. `scrub` sees each string and key whole, before any cut: a secret cut in
 * two could no longer be recognised.
 */
export function describeJsonValue(
  value: unknown,
  maxLength = MAX_DESCRIBED_VALUE_LENGTH,
  scrub: (text: string) => string = (text) => text,
): string {
  let out = "";
  const write = (item: unknown): boolean => {
    if (out.length > maxLength) return false;
    if (item instanceof Secret) out += SECRET_MASK;
    else if (item === undefined) out += "nothing";
    else if (item === null) out += "null";
    else if (typeof item === "string") out += echo(scrub(item));
    else if (typeof item === "number" || typeof item === "boolean") out += String(item);
    else if (Array.isArray(item)) {
      out += "[";
      for (let index = 0; index < item.length; index++) {
        if (index > 0) out += ", ";
        if (!write(item[index])) return false;
      }
      out += "]";
    } else if (typeof item === "object") {
      out += "{";
      let first = true;
      for (const key of Object.keys(item)) {
        const field = (item as Record<string, unknown>)[key];
        if (field === undefined) continue;
        out += `${first ? "" : ", "}${echo(scrub(key))}: `;
        first = false;
        if (!write(field)) return false;
      }
      out += "}";
    } else out += typeof item;
    return out.length <= maxLength;
  };
  if (write(value)) return out;
  return `${out.slice(0, maxLength)}…`;
}
