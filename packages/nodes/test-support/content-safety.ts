import { type Connection, type FlowNode, Secret } from "@weft/engine";
import type { LlmServer } from "@weft/testing";
import type { ContentSafetyTextOutput } from "../src/content-safety-text/content-safety-text.js";
import { FAST_RETRY, KEYS } from "./offline-engine.js";

/** The blocklists the offline server knows in the Content Safety tests. */
export const BLOCKLISTS = { "banned-words": ["frobnicate", "xyzzy"] };

/** A static Content Safety connection to the offline server, with the shared key unless told. */
export function contentSafetyConnection(
  server: LlmServer,
  apiKey: string = KEYS.shared,
  extra: Partial<Connection> = {},
): Record<string, Connection> {
  return {
    "shared-moderation": {
      type: "azure-content-safety",
      endpoint: server.url,
      apiKey: new Secret(apiKey),
      ...extra,
    },
  };
}

/** A content-safety-text node on the shared static connection. */
export function moderateNode(inputs: Record<string, unknown>, extra: Partial<FlowNode> = {}): FlowNode {
  return {
    id: "moderate",
    type: "content-safety-text",
    connection: "shared-moderation",
    retry: FAST_RETRY,
    inputs,
    ...extra,
  } as FlowNode;
}

/** The node's output, or a loud failure when it did not succeed. */
export function moderation(result: {
  nodes: Record<string, { status: string; output?: unknown } | undefined>;
}) {
  const node = result.nodes.moderate;
  if (node?.status !== "succeeded")
    throw new Error(`expected moderate to succeed, got ${JSON.stringify(node)}`);
  return node.output as ContentSafetyTextOutput;
}
