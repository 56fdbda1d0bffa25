import { MAX_ECHOED_STRING_LENGTH, MAX_LISTED_NAMES, MAX_SUGGESTED_NAMES } from "../limits.js";
import { clip } from "./echo.js";

/**
 * The known names closest to `name` (by edit distance, then shared prefix), at most `max` of them,
 * for "did you mean" messages. Names too far from `name` to be a plausible typo are left out, so a
 * flow with thousands of names gives a short message, not a list of all of them.
 */
export function closestNames(name: string, known: Iterable<string>, max = MAX_SUGGESTED_NAMES): string[] {
  const target = name.slice(0, MAX_ECHOED_STRING_LENGTH).toLowerCase();
  const threshold = Math.max(2, Math.floor(target.length / 3));
  const rows = new EditDistanceRows(MAX_ECHOED_STRING_LENGTH + 1);
  const scored: Array<{ name: string; distance: number; gap: number }> = [];
  for (const candidate of known) {
    if (candidate.length > MAX_ECHOED_STRING_LENGTH) continue;
    const lower = candidate.toLowerCase();
    const gap = Math.abs(lower.length - target.length);
    const distance =
      lower.startsWith(target) || target.startsWith(lower)
        ? Math.min(1, gap)
        : rows.distance(target, lower, threshold);
    if (distance <= threshold) scored.push({ name: candidate, distance, gap });
  }
  // Among equally close names, the one nearest in length first: "node4999" before "node4" for "node4999x".
  scored.sort((a, b) => a.distance - b.distance || a.gap - b.gap || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((entry) => entry.name);
}

/** `did you mean "a", "b"?` or "" when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const names = closestNames(name, known);
  return names.length === 0 ? "" : ` (did you mean ${names.map((n) => `"${n}"`).join(", ")}?)`;
}

/**
 * What an unknown name should have been, for messages: `expected one of a, b, c` when there are
 * at most `MAX_LISTED_NAMES` known names (with `; did you mean "a"?` when one is close and the list
 * is longer than `MAX_SUGGESTED_NAMES`), else `expected one of the 250 <noun>; did you mean "a"?`
 * with the closest ones (or that none is close). Never a list of more than `MAX_LISTED_NAMES`.
 *
 * @param none - what to say when nothing is known, e.g. `(the flow declares no inputs)`.
 */
export function expectedOneOf(
  name: string,
  known: ReadonlyArray<string> | ReadonlySet<string> | ReadonlyMap<string, unknown>,
  noun: string,
  none: string,
): string {
  const names = Array.isArray(known)
    ? (known as readonly string[])
    : [...(known as ReadonlySet<string>).keys()];
  if (names.length === 0) return `expected one of ${none}`;
  if (names.length <= MAX_SUGGESTED_NAMES) return `expected one of ${names.map(clip).join(", ")}`;
  const closest = closestNames(name, names);
  if (names.length <= MAX_LISTED_NAMES) {
    const listed = `expected one of ${names.map(clip).join(", ")}`;
    return closest.length === 0
      ? listed
      : `${listed}; did you mean ${closest.map((n) => `"${n}"`).join(", ")}?`;
  }
  return closest.length === 0
    ? `expected one of the ${names.length} ${noun} (none is close to this name)`
    : `expected one of the ${names.length} ${noun}; did you mean ${closest.map((n) => `"${n}"`).join(", ")}?`;
}

/**
 * Levenshtein distance over two reused rows (a flow may have thousands of names to compare),
 * stopping early once every path exceeds `limit`.
 */
class EditDistanceRows {
  #previous: Int32Array;
  #current: Int32Array;

  constructor(size: number) {
    this.#previous = new Int32Array(size);
    this.#current = new Int32Array(size);
  }

  distance(a: string, b: string, limit: number): number {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    let previous = this.#previous;
    let current = this.#current;
    for (let j = 0; j <= b.length; j++) previous[j] = j;
    for (let i = 1; i <= a.length; i++) {
      current[0] = i;
      let rowMin = i;
      const code = a.charCodeAt(i - 1);
      for (let j = 1; j <= b.length; j++) {
        const cost = code === b.charCodeAt(j - 1) ? 0 : 1;
        const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
        current[j] = value;
        if (value < rowMin) rowMin = value;
      }
      if (rowMin > limit) return limit + 1;
      [previous, current] = [current, previous];
    }
    return previous[b.length]!;
  }
}
