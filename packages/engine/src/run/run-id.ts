import { randomBytes } from "node:crypto";

/**
 * Ids for runs an app does not name: UUIDs (version 4 in form) whose first 80 bits are random per
 * process and whose last 48 count up from a random start. They are unique across processes and
 * runs, sort by start within a process, and cost a counter rather than a random UUID each (a
 * run's id is a label, never a secret).
 */
export function newRunId(): string {
  if (counter >= COUNTER_END) reseed();
  const id = prefix + counter.toString(16).padStart(12, "0");
  counter += 1;
  return id;
}

const COUNTER_END = 2 ** 48;
let prefix = "";
let counter = COUNTER_END;

function reseed(): void {
  const bytes = randomBytes(16);
  // Version 4 and the RFC 4122 variant, as `randomUUID` sets them.
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`;
  // A random start in the first half: a process would need 2^47 runs to reach the end and reseed.
  counter = Number.parseInt(hex.slice(20, 32), 16) % 2 ** 47;
}
