import { Secret } from "../secrets/secret.js";
import type { FlowInput } from "./schema.js";

/**
 * What a value of a declared type must be, or `undefined` when it is one: used for run inputs,
 * for the defaults a flow file declares (before anything runs), and by node types that check a
 * value against a type a flow names (`declare-variable`). A `Secret` is only a `secret`.
 */
export function checkInputType(type: FlowInput["type"], value: unknown): string | undefined {
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : "a string";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "true or false";
    case "object":
      return value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        !(value instanceof Secret)
        ? undefined
        : "a JSON object";
    case "array":
      return Array.isArray(value) ? undefined : "a JSON array";
    case "secret":
      return typeof value === "string" || value instanceof Secret ? undefined : "a string";
  }
}
