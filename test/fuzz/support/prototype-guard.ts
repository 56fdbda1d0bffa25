import { PropertyViolation } from "./outcomes.js";

/**
 * Watches the built-in prototypes for changes a case makes: a property added, removed or replaced
 * on `Object.prototype` (or on the prototypes of arrays, functions, strings, numbers, booleans),
 * and names that would then show up on every object (`({}).isAdmin`). A change found is undone
 * before it is reported, so that the cases after it (and fast-check's shrinking) start clean.
 */

const WATCHED: ReadonlyArray<readonly [string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
  ["Number.prototype", Number.prototype],
  ["Boolean.prototype", Boolean.prototype],
];

/** Names that must read as `undefined` on a fresh object. */
const PROBES = ["isAdmin", "anything", "polluted"] as const;

type Snapshot = Map<object, Map<PropertyKey, PropertyDescriptor>>;

function takeSnapshot(): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const [, target] of WATCHED) {
    const descriptors = new Map<PropertyKey, PropertyDescriptor>();
    for (const key of Reflect.ownKeys(target))
      descriptors.set(key, Object.getOwnPropertyDescriptor(target, key)!);
    snapshot.set(target, descriptors);
  }
  return snapshot;
}

const baseline = takeSnapshot();

function sameDescriptor(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable;
}

/**
 * Every change to the watched prototypes since this module was loaded, undone; an empty list
 * when there was none.
 */
export function takePrototypeChanges(): string[] {
  const changes: string[] = [];
  const fresh: Record<string, unknown> = {};
  for (const probe of PROBES) {
    if (fresh[probe] !== undefined) changes.push(`({}).${probe} reads ${describeValue(fresh[probe])}`);
  }
  for (const [label, target] of WATCHED) {
    const before = baseline.get(target)!;
    for (const key of Reflect.ownKeys(target)) {
      const now = Object.getOwnPropertyDescriptor(target, key)!;
      const was = before.get(key);
      if (!was) {
        changes.push(`${label}.${String(key)} was added (${describeDescriptor(now)})`);
        Reflect.deleteProperty(target, key);
      } else if (!sameDescriptor(was, now)) {
        changes.push(`${label}.${String(key)} was replaced (${describeDescriptor(now)})`);
        Object.defineProperty(target, key, was);
      }
    }
    for (const [key, was] of before) {
      if (!Object.hasOwn(target, key)) {
        changes.push(`${label}.${String(key)} was deleted`);
        Object.defineProperty(target, key, was);
      }
    }
  }
  return changes;
}

function describeDescriptor(descriptor: PropertyDescriptor): string {
  if (descriptor.get || descriptor.set) return "an accessor";
  return describeValue(descriptor.value);
}

function describeValue(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "number") return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Fails (after undoing them) if the built-in prototypes changed during `what`. Called right after
 * each engine call, so that a run never starts on polluted prototypes: code that walks objects
 * with `for…in` would then walk every polluted key of every object, and a case could exhaust the
 * heap instead of failing.
 */
export function expectPrototypesUnchanged(what: string): void {
  const changes = takePrototypeChanges();
  if (changes.length > 0)
    throw new PropertyViolation(`${what} changed built-in prototypes:\n  ${changes.join("\n  ")}`);
}
