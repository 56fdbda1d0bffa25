import { createScanner } from "jsonc-parser";

/**
 * Where a flow nests arrays and objects deeper than allowed. Both checks walk with explicit
 * stacks, never recursion, and run before anything that does recurse (the JSON tree parser, the
 * schema, templates): 100,000 levels of `[` is a validation error, not a stack overflow.
 */
export interface TooDeep {
  /** The path of the first array or object past the limit. */
  path: Array<string | number>;
  /** Its offset in the text, when the flow came from text. */
  offset?: number;
}

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot import.
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const COMMA = 5;
const STRING = 10;
const EOF = 17;

interface Frame {
  array: boolean;
  /** The current index (arrays) or key (objects) inside this container. */
  at: string | number | undefined;
  expectingKey: boolean;
}

/** Scans JSON text token by token for nesting deeper than `maxDepth` (the top level is 1). */
export function findTooDeepInText(text: string, maxDepth: number): TooDeep | undefined {
  const scanner = createScanner(text, true);
  const stack: Frame[] = [];
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    const top = stack[stack.length - 1];
    switch (token) {
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (stack.length >= maxDepth) {
          return { path: stack.map((frame) => frame.at ?? 0), offset: scanner.getTokenOffset() };
        }
        if (top && !top.array) top.expectingKey = false;
        stack.push({
          array: token === OPEN_BRACKET,
          at: token === OPEN_BRACKET ? 0 : undefined,
          expectingKey: true,
        });
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        stack.pop();
        break;
      case COMMA:
        if (top?.array) top.at = (top.at as number) + 1;
        else if (top) top.expectingKey = true;
        break;
      case STRING:
        if (top && !top.array && top.expectingKey) {
          top.at = scanner.getTokenValue();
          top.expectingKey = false;
        }
        break;
    }
  }
  return undefined;
}

/**
 * Walks a value (a flow given as an object) for nesting deeper than `maxDepth`. A value that
 * contains itself is reported as too deep rather than walked forever.
 */
export function findTooDeepInValue(value: unknown, maxDepth: number): TooDeep | undefined {
  if (!isContainer(value)) return undefined;
  const stack: Step[] = [{ value, key: undefined, parent: undefined, depth: 1 }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const current = step.value as Record<string, unknown>;
    const keys: Array<string | number> = Array.isArray(current)
      ? Array.from(current, (_, index) => index)
      : Object.keys(current);
    for (const key of keys) {
      const item = current[key];
      if (!isContainer(item)) continue;
      const next: Step = { value: item, key, parent: step, depth: step.depth + 1 };
      if (next.depth > maxDepth) return { path: pathOf(next) };
      stack.push(next);
    }
  }
  return undefined;
}

/** A container met while walking a value, with the way back to the top (paths are built only when needed). */
interface Step {
  value: unknown;
  key: string | number | undefined;
  parent: Step | undefined;
  depth: number;
}

function pathOf(step: Step): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Step | undefined = step; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === "object";
}
