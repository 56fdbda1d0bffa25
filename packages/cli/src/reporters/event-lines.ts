import {
  MAX_TRACE_EVENT_LENGTH,
  RUN_EVENT_NAMES,
  type RunEventName,
  type RunEvents,
  type RunHandle,
  stringifyBounded,
} from "@weft/engine";

/**
 * One event as one line of JSON: `{"event":"node:token","runId":…,"nodeId":…,"token":…}`, at most
 * `maxLength` characters (long strings are cut with a marker giving their length).
 */
export function formatEventLine<K extends RunEventName>(
  name: K,
  event: RunEvents[K],
  maxLength = MAX_TRACE_EVENT_LENGTH,
): string {
  return `${stringifyBounded({ event: name, ...event }, { maxLength })}\n`;
}

/**
 * `weft run --json --stream`: every event as a JSON line as it happens, except `run:end`, whose
 * result the command prints as the last line. Events are already redacted by the engine.
 */
export function attachEventLines(handle: RunHandle, write: (line: string) => void): void {
  for (const name of RUN_EVENT_NAMES) {
    if (name === "run:end") continue;
    handle.on(name, (event: RunEvents[typeof name]) => write(formatEventLine(name, event)));
  }
}
