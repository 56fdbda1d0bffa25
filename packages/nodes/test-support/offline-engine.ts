import {
  type Connection,
  createEngine,
  type Engine,
  type EngineOptions,
  type FlowDefinition,
  InMemoryConnectionProvider,
  RUN_EVENT_NAMES,
  type RunEventName,
  type RunEvents,
  type RunHandle,
  type RunOptions,
  type RunResult,
  Secret,
} from "@weft/engine";
import { type LlmServer, type LlmServerOptions, startLlmServer } from "@weft/testing";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { ChatCompletionOutput } from "../src/chat-completion/chat-completion.js";
import { builtinConnectionKinds, builtinNodeTypes } from "../src/index.js";

/** The keys the offline server accepts, by the name its request log shows for them. */
export const KEYS = {
  shared: "shared-key-7f3a9c",
  alice: "alice-key-51d2e8",
  bob: "bob-key-09b6c4",
} as const;

/** Engine retries fast enough for tests; `maxAttempts` stays the node type's (4) unless a test sets it. */
export const FAST_RETRY = { initialDelayMs: 1, maxDelayMs: 5 } as const;

/**
 * One offline server for a test file. Every test starts from the server's initial rules (rules added
 * with `addRule` are dropped) and an empty request log.
 */
export function useLlmServer(options: LlmServerOptions = {}): () => LlmServer {
  let server: LlmServer | undefined;
  beforeAll(async () => {
    server = await startLlmServer({ keys: KEYS, ...options });
  });
  afterEach(() => server?.reset());
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error("the offline server is not running: call it inside a test");
    return server;
  };
}

/** A Foundry models endpoint on the offline server. */
export function foundryEndpoint(server: LlmServer): string {
  return `${server.url}/models`;
}

/** An Azure OpenAI deployment URL on the offline server. */
export function deploymentEndpoint(server: LlmServer, deployment = "gpt-4o-mini"): string {
  return `${server.url}/openai/deployments/${deployment}`;
}

/** The host (`127.0.0.1:port`) outputs record for the offline server. */
export function serverHost(server: LlmServer): string {
  return new URL(server.url).host;
}

/** The static connections an embedding app would hand the engine, all with the shared key. */
export function sharedConnections(server: LlmServer): Record<string, Connection> {
  return {
    "shared-foundry": {
      type: "azure-ai",
      endpoint: foundryEndpoint(server),
      apiKey: new Secret(KEYS.shared),
    },
    "shared-deployment": {
      type: "azure-ai",
      endpoint: deploymentEndpoint(server),
      apiKey: new Secret(KEYS.shared),
    },
    "shared-openai": { type: "openai", baseUrl: `${server.url}/v1`, apiKey: new Secret(KEYS.shared) },
  };
}

/** An engine with the built-in node types, the shared static connections and any extra ones. */
export function createTestEngine(
  server: LlmServer,
  extra: Record<string, Connection> = {},
  options: Partial<EngineOptions> = {},
): Engine {
  return createEngine({
    nodeTypes: builtinNodeTypes,
    connectionKinds: builtinConnectionKinds,
    connections: new InMemoryConnectionProvider({ ...sharedConnections(server), ...extra }),
    ...options,
  });
}

/** One event of a run, tagged with its name. */
export type RecordedEvent = { [K in RunEventName]: { name: K; event: RunEvents[K] } }[RunEventName];

/** Records every event a run emits, in order. Call it right after `engine.run()`. */
export function recordEvents(handle: RunHandle): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const name of RUN_EVENT_NAMES) {
    handle.on(name, ((event: RunEvents[typeof name]) =>
      events.push({ name, event } as RecordedEvent)) as never);
  }
  return events;
}

/** The payloads of the recorded events with this name. */
export function eventsNamed<K extends RunEventName>(
  events: readonly RecordedEvent[],
  name: K,
): RunEvents[K][] {
  return events
    .filter((recorded) => recorded.name === name)
    .map((recorded) => recorded.event as RunEvents[K]);
}

/** Runs a flow to its end, recording its events. */
export async function runFlow(
  engine: Engine,
  flow: FlowDefinition,
  options: RunOptions = {},
): Promise<{ result: RunResult; events: RecordedEvent[] }> {
  const handle = engine.run(flow, options);
  const events = recordEvents(handle);
  const result = await handle;
  return { result, events };
}

/** A node's output as a chat completion output; fails loudly if the node did not succeed. */
export function chatOutput(result: RunResult, nodeId: string): ChatCompletionOutput {
  const node = result.nodes[nodeId];
  if (node?.status !== "succeeded") {
    throw new Error(`expected node "${nodeId}" to succeed, got ${JSON.stringify(node)}`);
  }
  return node.output as ChatCompletionOutput;
}

/**
 * Polls until `condition` holds. Gives up after `timeoutMs` (10 s unless told), well within the
 * test's own timeout, with an error saying `what` it waited for.
 */
export async function waitUntil(
  condition: () => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const { timeoutMs = 10_000, what = "the condition" } = options;
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Echoes the parts of the request a node builds, so a test can read them back from the answer. */
export function echoRequest(request: { messages: unknown; body: Record<string, unknown> }): string {
  const { temperature, max_tokens, top_p, stop, response_format, stream, stream_options } = request.body;
  return JSON.stringify({
    messages: request.messages,
    temperature,
    max_tokens,
    top_p,
    stop,
    response_format,
    stream,
    stream_options,
  });
}
