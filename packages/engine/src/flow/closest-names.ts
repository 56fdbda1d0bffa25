import { MAX_ECHOED_STRING_LENGTH, MAX_SUGGESTED_NAMES } from "../limits.js";

/**
 * The known names closest to `name` (by edit distance, then shared prefix), at most `max` of them,
 * for "did you mean" messages. Names too far from `name` to be a plausible typo are left out, so a
 * flow with thousands of names gives a short message, not a list of all of them.
 */
export function closestNames(name: string, known: Iterable<string>, max = MAX_SUGGESTED_NAMES): string[] {
  const target = name.slice(0, MAX_ECHOED_STRING_LENGTH).toLowerCase();
  const threshold = Math.max(2, Math.floor(target.length / 3));
  const scored: Array<{ name: string; distance: number }> = [];
  for (const candidate of known) {
    if (candidate.length > MAX_ECHOED_STRING_LENGTH) continue;
    const lower = candidate.toLowerCase();
    const distance =
      lower.startsWith(target) || target.startsWith(lower)
        ? Math.min(1, Math.abs(lower.length - target.length))
        : editDistance(target, lower, threshold);
    if (distance <= threshold) scored.push({ name: candidate, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((entry) => entry.name);
}

/** `did you mean "a", "b"?` or "" when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const names = closestNames(name, known);
  return names.length === 0 ? "" : ` (did you mean ${names.map((n) => `"${n}"`).join(", ")}?)`;
}

/** Levenshtein distance, stopping early once every path exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}
