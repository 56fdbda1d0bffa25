import type { Connection, ConnectionKinds } from "@weft/engine";
import type { ConnectionPatch } from "./connection-input.js";

/**
 * Applies a patch to a stored connection: `null` removes a field or a `configs` / `secrets`
 * entry, other values replace them. The result is checked by the caller.
 */
export function applyConnectionPatch(
  kinds: ConnectionKinds,
  stored: Connection,
  patch: ConnectionPatch,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  const recordFields = new Set((kinds.fields(stored.type) ?? []).filter((f) => f.record).map((f) => f.name));
  for (const [field, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (value === null) {
      delete merged[field];
    } else if (recordFields.has(field) && typeof value === "object" && !Array.isArray(value)) {
      const entries = { ...(merged[field] as Record<string, unknown>) };
      for (const [entry, item] of Object.entries(value)) {
        if (item === null) delete entries[entry];
        else if (item !== undefined) entries[entry] = item;
      }
      merged[field] = entries;
    } else {
      merged[field] = value;
    }
  }
  return merged;
}
