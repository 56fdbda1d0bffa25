/**
 * Flow documents as the fuzz suite builds them: plain JSON values that may hold markers for what a
 * JS value cannot say or would make a counterexample unreadable (a 4 MB string, 5,000 levels of
 * nesting, a key written twice, text that is not JSON). `renderFlowText` expands the markers into
 * the text that `engine.validate`, `weft validate` and `weft run` read.
 */

/** A string of `length` code units: `unit` repeated (and cut to length). */
export interface HugeMarker {
  $fuzz: "huge";
  unit: string;
  length: number;
}

/** `depth` levels of arrays or objects around `leaf`, written as text (deeper than JSON.stringify goes). */
export interface DeepMarker {
  $fuzz: "deep";
  depth: number;
  shape: "array" | "object" | "mixed";
  leaf: unknown;
}

/** An object written with exactly these entries, in order: a key may appear twice. */
export interface EntriesMarker {
  $fuzz: "entries";
  entries: Array<[string, unknown]>;
}

/** Text written as it is, in place of a value (numbers JSON.stringify would change, unescaped control characters). */
export interface RawMarker {
  $fuzz: "raw";
  text: string;
}

export type Marker = HugeMarker | DeepMarker | EntriesMarker | RawMarker;

/** Whether a value of a flow document is a marker rather than JSON. */
export function isMarker(value: unknown): value is Marker {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.hasOwn(value, "$fuzz") &&
    typeof (value as { $fuzz: unknown }).$fuzz === "string"
  );
}

/** The JSON text of a flow document, markers expanded. */
export function renderFlowText(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

function write(value: unknown, out: string[]): void {
  if (isMarker(value)) {
    writeMarker(value, out);
    return;
  }
  if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, index) => {
      if (index > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
    return;
  }
  if (value !== null && typeof value === "object") {
    writeEntries(Object.entries(value), out);
    return;
  }
  // `undefined` (a removed array item) is written as null, as JSON.stringify does.
  out.push(JSON.stringify(value) ?? "null");
}

function writeEntries(entries: ReadonlyArray<readonly [string, unknown]>, out: string[]): void {
  out.push("{");
  entries.forEach(([key, item], index) => {
    if (index > 0) out.push(",");
    out.push(JSON.stringify(key), ":");
    write(item, out);
  });
  out.push("}");
}

function writeMarker(marker: Marker, out: string[]): void {
  switch (marker.$fuzz) {
    case "huge": {
      const unit = marker.unit || "x";
      const text = unit.repeat(Math.ceil(marker.length / unit.length)).slice(0, marker.length);
      out.push(JSON.stringify(text));
      return;
    }
    case "deep": {
      const opens: string[] = [];
      const closes: string[] = [];
      for (let level = 0; level < marker.depth; level++) {
        const array = marker.shape === "array" || (marker.shape === "mixed" && level % 2 === 0);
        opens.push(array ? "[" : '{"a":');
        closes.push(array ? "]" : "}");
      }
      out.push(opens.join(""));
      write(marker.leaf, out);
      out.push(closes.reverse().join(""));
      return;
    }
    case "entries":
      writeEntries(marker.entries, out);
      return;
    case "raw":
      out.push(marker.text);
      return;
  }
}

/** The flow as a JS value (what `engine.validate(object)` gets), or `undefined` when its text is not JSON. */
export function parseFlowValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ── Editing documents ────────────────────────────────────────────────────────────────────────

/** A path into a document: object keys and array indices. */
export type DocPath = ReadonlyArray<string | number>;

/** Every path to a value inside the document, depth first; markers are leaves. */
export function collectPaths(root: unknown): DocPath[] {
  const paths: DocPath[] = [];
  const walk = (value: unknown, path: DocPath) => {
    paths.push(path);
    if (isMarker(value)) return;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, [...path, index]);
    } else if (value !== null && typeof value === "object")
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  walk(root, []);
  return paths;
}

/** Sets an own property, even one named `__proto__`, without touching any prototype. */
export function setOwn(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value at a path, or `undefined`. */
export function getAt(root: unknown, path: DocPath): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== "object" || isMarker(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** A copy of the document with the value at `path` replaced (the root when the path is empty). */
export function replaceAt(root: unknown, path: DocPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root);
  const parent = getAt(copy, path.slice(0, -1));
  if (parent !== null && typeof parent === "object") setOwn(parent, path[path.length - 1]!, value);
  return copy;
}

/** A copy of the document without the value at `path` (an array item is taken out). */
export function removeAt(root: unknown, path: DocPath): unknown {
  if (path.length === 0) return undefined;
  const copy = structuredClone(root);
  const parent = getAt(copy, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof key === "number") parent.splice(key, 1);
  else if (parent !== null && typeof parent === "object") delete (parent as Record<string, unknown>)[key];
  return copy;
}

/** A copy of the object at `path` with one key renamed, in place (a later key of that name is dropped). */
export function renameKeyAt(root: unknown, path: DocPath, to: string): unknown {
  const from = path[path.length - 1];
  const parentPath = path.slice(0, -1);
  const parent = getAt(root, parentPath);
  if (typeof from !== "string" || parent === null || typeof parent !== "object" || Array.isArray(parent))
    return root;
  const renamed = {};
  for (const [key, item] of Object.entries(parent)) {
    if (key === to && key !== from) continue;
    setOwn(renamed, key === from ? to : key, item);
  }
  return replaceAt(root, parentPath, renamed);
}

/** Applies `edit` to every string of the document (keys excluded), markers left as they are. */
export function mapStrings(root: unknown, edit: (text: string, path: DocPath) => string): unknown {
  const walk = (value: unknown, path: DocPath): unknown => {
    if (typeof value === "string") return edit(value, path);
    if (isMarker(value)) return value;
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === "object") {
      const copy = {};
      for (const [key, item] of Object.entries(value)) setOwn(copy, key, walk(item, [...path, key]));
      return copy;
    }
    return value;
  };
  return walk(root, []);
}
