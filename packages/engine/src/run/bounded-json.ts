/**
 * JSON of a known greatest size. Outputs, results and events can hold strings of any length and
 * share one value many times over (a chain of nodes passing one 5 MB string on), so what is written
 * of them has to be bounded where it is written, not only where it is made.
 */

/** Strings this short are never cut: the marker would be longer than what it saves. */
const SHORTEST_CUT = 64;
/** Room kept for a cut string's marker, `…[cut, 123456789 characters in all]`. */
const MARKER_ROOM = 40;
/** Values nested deeper than this are written as `"[too deep]"`. */
const MAX_DEPTH = 128;

/** The end of a cut text: where it was cut, and how long it was. */
function marker(length: number): string {
  return `…[cut, ${length} characters in all]`;
}

/**
 * `text` if it has at most `max` characters; otherwise its start, then a marker giving its
 * original length, `max` characters in all (never less than the marker). Cut text that may hold a
 * secret only after scrubbing it: a secret cut in half is no longer recognised.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = marker(text.length);
  return keepStart(text, Math.max(0, max - end.length)) + end;
}

function keepStart(text: string, keep: number): string {
  // Never split a surrogate pair: half of one is not valid UTF-16.
  const code = text.charCodeAt(keep - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? keep - 1 : keep);
}

/**
 * About how many characters `JSON.stringify(value)` writes, counting no further than just past
 * `max`: callers compare the answer with `max`, and a large value costs no more than `max` steps.
 */
export function measureJsonLength(value: unknown, max: number): number {
  return addJsonLength(value, 0, max, 0);
}

/** `used` plus the length of `value`: a plain recursive walk, cheap for the small outputs of most nodes. */
function addJsonLength(value: unknown, used: number, max: number, depth: number): number {
  if (typeof value === "string") return used + value.length + 2;
  if (value === null || typeof value !== "object") return used + primitiveLength(value);
  const json = jsonValue(value);
  if (json !== value) return addJsonLength(json, used, max, depth + 1);
  if (depth >= MAX_DEPTH) return used + 12;
  // Brackets, and a comma after each member but the last.
  used += 2;
  let members = 0;
  if (Array.isArray(value)) {
    for (; members < value.length && used <= max; members++) {
      used = addJsonLength(value[members], used + 1, max, depth + 1);
    }
  } else {
    for (const key in value) {
      if (used > max) break;
      const item = (value as Record<string, unknown>)[key];
      if (!Object.hasOwn(value, key) || isLeftOut(item)) continue;
      members++;
      used = addJsonLength(item, used + key.length + 4, max, depth + 1);
    }
  }
  return members > 0 ? used - 1 : used;
}

/** Options of `stringifyBounded`. */
export interface BoundedJsonOptions {
  /** Characters to write at most (about: cut strings end with a marker of a few dozen more). */
  maxLength: number;
  /** Indentation, as `JSON.stringify`'s third argument. */
  indent?: number;
}

/**
 * `JSON.stringify(value, null, indent)`, at most about `maxLength` characters long. When the whole
 * would be longer, the longest strings are cut to one shared length, just short enough for the
 * rest to fit, each ending with a marker giving its original length (`…[cut, 5000000 characters
 * in all]`): every field stays, short ones whole. Only if the rest (keys, numbers, short strings)
 * is itself too long are the arrays and objects past the limit replaced by a marker too
 * (`"[cut: an array of 10000 items]"`). Cycles become `"[circular]"`, values nested deeper than
 * 128 levels `"[too deep]"`.
 */
export function stringifyBounded(value: unknown, options: BoundedJsonOptions): string {
  const { maxLength } = options;
  const indent = options.indent ?? 0;
  const measured = new JsonWalk(indent, maxLength);
  measured.measure(value, 0);
  if (measured.used <= maxLength && !measured.needsCopy) return JSON.stringify(value, null, indent) ?? "null";
  const rest = measured.used - measured.longStrings;
  const writer = new JsonWalk(indent, maxLength);
  // Keys, numbers and short strings fit: find the one length that cuts the long strings just enough.
  if (rest <= maxLength) writer.stringCap = fairShare(measured.longLengths, maxLength - rest);
  return JSON.stringify(writer.copy(value, 0, new Set()), null, indent) ?? "null";
}

/**
 * The largest cap such that the strings, each cut to it (plus a marker when cut), fit in `budget`:
 * the short ones keep their whole length, the long ones share what is left equally.
 */
function fairShare(lengths: number[], budget: number): number {
  lengths.sort((a, b) => a - b);
  let remaining = budget;
  for (let i = 0; i < lengths.length; i++) {
    const share = remaining / (lengths.length - i);
    const length = lengths[i]! + 2;
    if (length > share) return Math.max(0, Math.floor(share) - MARKER_ROOM);
    remaining -= length;
  }
  return Infinity;
}

function primitiveLength(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? String(value).length : 4;
  if (typeof value === "boolean") return value ? 4 : 5;
  if (typeof value === "bigint") return String(value).length + 2;
  return 4; // null; undefined, functions and symbols are left out or written as null
}

/** Values JSON leaves out of objects (and writes as null in arrays). */
function isLeftOut(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

/** What `JSON.stringify` would see in place of `value`: the result of its `toJSON`, if it has one. */
function jsonValue(value: object): unknown {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === "function" ? toJSON.call(value) : value;
}

/** Counts and copies values the way `JSON.stringify` writes them, keeping a running length. */
class JsonWalk {
  /** Characters counted so far. */
  used = 0;
  /** Characters of the strings long enough to be cut (quotes included). */
  longStrings = 0;
  /** The lengths of those strings. */
  readonly longLengths: number[] = [];
  /** Whether `JSON.stringify` alone would not do: a cycle, a bigint, too deep. */
  needsCopy = false;
  /** Strings longer than this are cut when copied. */
  stringCap = Infinity;
  readonly #indent: number;
  readonly #max: number;

  constructor(indent: number, max: number) {
    this.#indent = indent;
    this.#max = max;
  }

  /** Line break and indentation before a member at `depth` (none without indentation). */
  #memberRoom(depth: number): number {
    return this.#indent ? 1 + this.#indent * depth : 0;
  }

  /** Characters counted so far other than those of long strings: what takes steps to count. */
  get #structure(): number {
    return this.used - this.longStrings;
  }

  measure(value: unknown, depth: number): void {
    if (value !== null && typeof value === "object") value = jsonValue(value);
    if (typeof value === "string") {
      this.used += value.length + 2;
      if (value.length > SHORTEST_CUT) {
        this.longStrings += value.length + 2;
        this.longLengths.push(value.length);
      }
      return;
    }
    if (typeof value === "bigint") this.needsCopy = true;
    if (value === null || typeof value !== "object") {
      this.used += primitiveLength(value);
      return;
    }
    if (depth >= MAX_DEPTH) {
      this.needsCopy = true;
      this.used += 12;
      return;
    }
    this.used += 2 + this.#memberRoom(depth);
    const room = this.#memberRoom(depth + 1);
    // Strings count in one step, whatever their length; the rest stops being counted past the limit.
    // Each member is counted with a comma; the last has none.
    let members = 0;
    if (Array.isArray(value)) {
      for (; members < value.length && this.#structure <= this.#max; members++) {
        this.used += room + 1;
        this.measure(value[members], depth + 1);
      }
    } else {
      for (const key in value) {
        if (this.#structure > this.#max) break;
        const item = (value as Record<string, unknown>)[key];
        if (!Object.hasOwn(value, key) || isLeftOut(item)) continue;
        members++;
        this.used += room + key.length + 4;
        this.measure(item, depth + 1);
      }
    }
    if (members > 0) this.used -= 1;
    // Too large to write whole even with its strings cut (or a cycle): copying will cut it.
    if (this.#structure > this.#max) this.needsCopy = true;
  }

  copy(value: unknown, depth: number, ancestors: Set<object>): unknown {
    if (value !== null && typeof value === "object") value = jsonValue(value);
    if (typeof value === "string") return this.#copyString(value);
    if (typeof value === "bigint") return this.#copyString(String(value));
    if (value === null || typeof value !== "object") {
      this.used += primitiveLength(value);
      return value;
    }
    if (ancestors.has(value)) return this.#copyString("[circular]");
    if (depth >= MAX_DEPTH) return this.#copyString("[too deep]");
    if (this.used >= this.#max) {
      return this.#copyString(
        Array.isArray(value)
          ? `[cut: an array of ${value.length} items]`
          : `[cut: an object of ${Object.keys(value).length} keys]`,
      );
    }
    this.used += 2 + this.#memberRoom(depth);
    const room = this.#memberRoom(depth + 1);
    ancestors.add(value);
    let out: unknown;
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const item of value) {
        if (this.used >= this.#max) {
          items.push(this.#copyString(`[cut: ${value.length - items.length} more items]`));
          break;
        }
        this.used += room + 1;
        // JSON writes null for these in arrays.
        items.push(isLeftOut(item) ? null : this.copy(item, depth + 1, ancestors));
      }
      out = items;
    } else {
      // No user string becomes a key of a plain object: `__proto__` stays an ordinary key.
      const members: Record<string, unknown> = Object.create(null);
      let left = Object.keys(value).length;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        if (this.used >= this.#max) {
          members["[cut]"] = this.#copyString(`[cut: ${left} more keys]`);
          break;
        }
        left--;
        const item = (value as Record<string, unknown>)[key];
        if (isLeftOut(item)) continue;
        this.used += room + key.length + 4;
        members[key] = this.copy(item, depth + 1, ancestors);
      }
      out = members;
    }
    ancestors.delete(value);
    return out;
  }

  #copyString(text: string): string {
    const room = Math.max(0, this.#max - this.used - MARKER_ROOM);
    const keep = Math.min(this.stringCap, room);
    const out =
      text.length > SHORTEST_CUT && text.length > keep ? keepStart(text, keep) + marker(text.length) : text;
    this.used += out.length + 2;
    return out;
  }
}
