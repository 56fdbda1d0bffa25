import { clip } from "./echo.js";
import { formatPath, type ValidationIssue } from "./issues.js";

/**
 * Names that JavaScript objects give a meaning of their own: as a key, `__proto__` sets an object's
 * prototype and `constructor` / `prototype` lead to shared functions. Weft refuses them as node
 * ids, variable, flow input and output names and node input keys. Every other name, `toString`
 * and `hasOwnProperty` included, works like any other.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Whether a name is one Weft refuses (`__proto__`, `constructor`, `prototype`). */
export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

/** The `flow.reserved-name` issue for a name used as `what` (e.g. "a node id") at `path`. */
export function reservedNameIssue(
  name: string,
  what: string,
  path: ReadonlyArray<string | number>,
  nodeId?: string,
): ValidationIssue {
  return {
    code: "flow.reserved-name",
    message: `"${name}" is reserved and cannot be ${what}: expected any name but ${[...RESERVED_NAMES].map((reserved) => `"${reserved}"`).join(", ")}`,
    path: formatPath(path),
    ...(nodeId === undefined ? {} : { nodeId }),
  };
}

/**
 * Reserved names in a flow as written, before the schema sees it: the schema's records would drop a
 * `__proto__` key without a word. Looks at node ids, node input keys, flow input and output names.
 */
export function findReservedNames(flow: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(flow)) return issues;
  for (const section of ["inputs", "outputs"] as const) {
    const entries = ownValue(flow, section);
    if (!isObject(entries)) continue;
    for (const name of Object.keys(entries)) {
      if (isReservedName(name))
        issues.push(
          reservedNameIssue(name, section === "inputs" ? "a flow input name" : "an output name", [
            section,
            name,
          ]),
        );
    }
  }
  const nodes = ownValue(flow, "nodes");
  if (!Array.isArray(nodes)) return issues;
  nodes.forEach((node: unknown, index) => {
    if (!isObject(node)) return;
    const id = ownValue(node, "id");
    const nodeId = typeof id === "string" ? clip(id) : undefined;
    if (typeof id === "string" && isReservedName(id))
      issues.push(reservedNameIssue(id, "a node id", ["nodes", index, "id"], nodeId));
    const inputs = ownValue(node, "inputs");
    if (!isObject(inputs) || Array.isArray(inputs)) return;
    for (const key of Object.keys(inputs)) {
      if (isReservedName(key))
        issues.push(reservedNameIssue(key, "a node input", ["nodes", index, "inputs", key], nodeId));
    }
  });
  return issues;
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object";
}

function ownValue(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}
