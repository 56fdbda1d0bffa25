import { Secret } from "../secrets/secret.js";
import type { FlowInput } from "./schema.js";

/**
 * What a value of a declared input type must be, or `undefined` when it is one: used for run
 * inputs and, before anything runs, for the defaults a flow file declares.
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
      return value !== null && typeof value === "object" && !Array.isArray(value)
        ? undefined
        : "a JSON object";
    case "array":
      return Array.isArray(value) ? undefined : "a JSON array";
    case "secret":
      return typeof value === "string" || value instanceof Secret ? undefined : "a string";
  }
}
