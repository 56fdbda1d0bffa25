import { type ConnectionProvider, createEngine, type Engine, type Prices } from "@weft/engine";
import type { CliCatalog } from "./plugins.js";

/** The engine the CLI runs flows with: the catalog's node types and kinds, and the given connections. */
export function createCliEngine(
  catalog: CliCatalog,
  options: { connections?: ConnectionProvider; concurrency?: number; prices?: Prices } = {},
): Engine {
  return createEngine({
    nodeTypes: catalog.nodeTypes,
    connectionKinds: catalog.connectionKinds,
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
  });
}
