import { FlowError } from "../errors/flow-error.js";
import { expectedOneOf } from "../flow/closest-names.js";
import { echo } from "../flow/echo.js";

/**
 * What an unknown static connection name means, in one sentence for every place that looks one up:
 * `unknown connection "name" (note): expected one of a, b`. The name is quoted with `echo` and the
 * known names are bounded by `expectedOneOf`: a provider with thousands of connections gives the
 * closest few, never the whole list.
 *
 * @param known - the names the provider knows (`ConnectionProvider.list`), if it can say.
 * @param note - where or why, e.g. `named by node "answer"`.
 */
export function describeUnknownConnection(name: string, known: readonly string[], note?: string): string {
  return `unknown connection ${echo(name)}${note ? ` (${note})` : ""}: ${expectedOneOf(
    name,
    known,
    "connections",
    "(no connections are configured)",
  )}`;
}

/** A `connection.unknown` error with the message of `describeUnknownConnection`. */
export function unknownConnectionError(
  name: string,
  known: readonly string[],
  options: { note?: string; nodeId?: string; file?: string } = {},
): FlowError {
  return new FlowError("connection.unknown", describeUnknownConnection(name, known, options.note), {
    ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
    ...(options.file === undefined ? {} : { file: options.file }),
  });
}
