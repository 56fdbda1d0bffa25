import {
  type Connection,
  createEngine,
  defineNodeType,
  type Engine,
  type EngineOptions,
  InMemoryConnectionProvider,
  type RunResult,
  Secret,
  secretSchema,
} from "@weft/engine";
import type { LlmServer } from "@weft/testing";
import { z } from "zod";
import { azureAiSearchConnectionKind } from "../src/connection-kinds/azure-ai-search/azure-ai-search.js";
import { builtinConnectionKinds, builtinNodeTypes } from "../src/index.js";
import type { IndexLookupOutput } from "../src/index-lookup/index-lookup.js";
import { KEYS } from "./offline-engine.js";

/**
 * Builds an `azure-ai-search` connection at run time, as a customer's own resource would be: the
 * dynamic side of the override rule, for tests.
 */
export const createSearchConnection = defineNodeType({
  type: "create-search-connection",
  description: "Test helper: an azure-ai-search connection built while the flow runs.",
  input: z
    .object({
      endpoint: z.string(),
      apiKey: z.union([z.string(), secretSchema]),
      variable: z.string(),
      name: z.string().optional(),
      maxConcurrency: z.number().int().positive().optional(),
    })
    .strict(),
  writes: { input: "variable" },
  connectionKinds: [azureAiSearchConnectionKind],
  run(input, context) {
    return {
      type: "azure-ai-search",
      endpoint: input.endpoint,
      apiKey: context.secret(input.apiKey),
      ...(input.name ? { name: input.name } : {}),
      ...(input.maxConcurrency ? { maxConcurrency: input.maxConcurrency } : {}),
    };
  },
});

/** The static search connection an app would hand the engine, with the shared key. */
export function sharedSearchConnection(server: LlmServer, extra: Partial<Connection> = {}): Connection {
  return { type: "azure-ai-search", endpoint: server.url, apiKey: new Secret(KEYS.shared), ...extra };
}

/** An engine with the built-in node types, the test helper, and `shared-search` plus any extra connections. */
export function createSearchEngine(
  server: LlmServer,
  extra: Record<string, Connection> = {},
  options: Partial<EngineOptions> = {},
): Engine {
  return createEngine({
    nodeTypes: [...builtinNodeTypes, createSearchConnection],
    connectionKinds: builtinConnectionKinds,
    connections: new InMemoryConnectionProvider({
      "shared-search": sharedSearchConnection(server),
      ...extra,
    }),
    ...options,
  });
}

/** A node's output as an index lookup output; fails loudly if the node did not succeed. */
export function lookupOutput(result: RunResult, nodeId: string): IndexLookupOutput {
  const node = result.nodes[nodeId];
  if (node?.status !== "succeeded") {
    throw new Error(`expected node "${nodeId}" to succeed, got ${JSON.stringify(node)}`);
  }
  return node.output as IndexLookupOutput;
}
