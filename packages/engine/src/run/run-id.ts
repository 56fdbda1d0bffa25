import { randomBytes } from "node:crypto";

/**
 * Ids for runs an app does not name: UUIDs (version 4 in form) whose first 80 bits are random per
 * process and whose last 48 count up from a random start. They are unique across processes and
 * runs, sort by start within a process, and cost a counter rather than a random UUID each (a
 * run's id is a label, never a secret).
 */
export function newRunId(): string {
  if (low === LOW_END) carry();
  const id = prefix + highHex + HEX3[low >>> 12]! + HEX3[low & 0xfff]!;
  low += 1;
  return id;
}

/** The counter is two small integers: turning a number past 2^31 into hex costs more than the rest. */
const LOW_END = 2 ** 24;
const HIGH_END = 2 ** 24;
const HEX3 = Array.from({ length: 4096 }, (_, index) => hex(index, 3));
let prefix = "";
let highHex = "";
/** Past the end at first: the first id seeds the prefix and the counter. */
let high = HIGH_END;
let low = LOW_END;

function carry(): void {
  low = 0;
  high += 1;
  if (high >= HIGH_END) reseed();
  else highHex = hex(high, 6);
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, "0");
}

function reseed(): void {
  const bytes = randomBytes(16);
  // Version 4 and the RFC 4122 variant, as `randomUUID` sets them.
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const text = bytes.toString("hex");
  prefix = `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-`;
  // A random start in the first half: a process would need 2^47 runs to reach the end and reseed.
  high = bytes.readUIntBE(10, 3) & 0x7fffff;
  highHex = hex(high, 6);
  low = bytes.readUIntBE(13, 3);
}
