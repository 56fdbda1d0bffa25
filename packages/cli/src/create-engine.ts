import { type ConnectionProvider, createEngine, type Engine } from "@weft/engine";
import { builtinNodeTypes } from "@weft/nodes";
import { cliConnectionKinds } from "./connections.js";

/** The engine the CLI runs flows with: the built-in node types and the given connection provider. */
export function createCliEngine(
  options: { connections?: ConnectionProvider; concurrency?: number } = {},
): Engine {
  return createEngine({
    nodeTypes: builtinNodeTypes,
    connectionKinds: cliConnectionKinds,
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
}
