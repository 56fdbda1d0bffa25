import { type FlowDefinition, type FlowNode, Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  deploymentEndpoint,
  FAST_RETRY,
  foundryEndpoint,
  KEYS,
  runFlow,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";

// Every answer takes a while, so that requests overlap whenever the engine lets them: long enough
// that a loaded machine, stalled between sending two requests, still has both in flight at once.
const server = useLlmServer({ defaultDelayMs: 300 });

function chatNodes(count: number, node: Partial<FlowNode>, prefix = "ask"): FlowNode[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index}`,
    type: "chat-completion",
    retry: FAST_RETRY,
    inputs: { model: "gpt-4o-mini", prompt: `Question ${index}` },
    ...node,
  })) as FlowNode[];
}

/** A customer's flow: their own key and endpoint, a dynamic connection with a concurrency limit, `count` questions. */
function customerFlow(count: number, maxConcurrency?: number, chat: Partial<FlowNode> = {}): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
    nodes: [
      {
        id: "connect",
        type: "create-azure-ai-connection",
        inputs: {
          apiKey: "${inputs.key}",
          endpoint: "${inputs.endpoint}",
          variable: "conn",
          ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
        },
      },
      ...chatNodes(count, { dynamicConnection: "${vars.conn}", ...chat }),
    ],
  };
}

describe("per-connection maxConcurrency", () => {
  it("holds a static connection to its limit across parallel nodes in a run", async () => {
    const engine = createTestEngine(server(), {
      limited: {
        type: "azure-ai",
        endpoint: foundryEndpoint(server()),
        apiKey: new Secret(KEYS.alice),
        maxConcurrency: 2,
      },
    });
    const { result } = await runFlow(engine, { nodes: chatNodes(6, { connection: "limited" }) });

    expect(result.status).toBe("succeeded");
    expect(server().stats()).toMatchObject({ total: 6, maxConcurrencyByKey: { alice: 2 } });
  });

  it("lets the same six nodes overlap freely without a limit", async () => {
    const engine = createTestEngine(server(), {
      unlimited: { type: "azure-ai", endpoint: foundryEndpoint(server()), apiKey: new Secret(KEYS.alice) },
    });
    const { result } = await runFlow(engine, { nodes: chatNodes(6, { connection: "unlimited" }) });

    expect(result.status).toBe("succeeded");
    expect(server().stats().maxConcurrencyByKey.alice).toBeGreaterThan(2);
  });

  it("holds a customer's limit across parallel runs that each build their own connection", async () => {
    const engine = createTestEngine(server());
    const inputs = { key: KEYS.alice, endpoint: foundryEndpoint(server()) };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => engine.run(customerFlow(1, 2), { inputs }).result),
    );

    expect(results.map((result) => result.status)).toEqual(Array(6).fill("succeeded"));
    expect(server().stats()).toMatchObject({ total: 6, maxConcurrencyByKey: { alice: 2 } });
  });

  it("limits two customers independently", async () => {
    const engine = createTestEngine(server());
    // Bob's deployment URL goes through the openai SDK, which the first request loads: on a loaded
    // machine that can take longer than all of Alice's requests, and then nothing overlaps.
    const warmUp = await runFlow(engine, customerFlow(1), {
      inputs: { key: KEYS.bob, endpoint: deploymentEndpoint(server(), "bob-gpt") },
    });
    expect(warmUp.result.status).toBe("succeeded");
    server().reset();
    const [alice, bob] = await Promise.all([
      runFlow(engine, customerFlow(6, 2), {
        inputs: { key: KEYS.alice, endpoint: foundryEndpoint(server()) },
      }),
      runFlow(engine, customerFlow(6, 3), {
        inputs: { key: KEYS.bob, endpoint: deploymentEndpoint(server(), "bob-gpt") },
      }),
    ]);

    expect(alice.result.status).toBe("succeeded");
    expect(bob.result.status).toBe("succeeded");
    const stats = server().stats();
    expect(stats.total).toBe(12);
    expect(stats.maxConcurrencyByKey).toEqual({ alice: 2, bob: 3 });
    // The limits are per customer: together they had more in flight than either alone.
    expect(stats.maxConcurrency).toBeGreaterThan(3);
  });

  it("keeps two customers' keys on the same endpoint apart", async () => {
    // Alice's request never ends. Were the two keys one connection to the limiter, Bob's request
    // would wait behind hers until his node's timeout.
    server().addRule({ match: { key: "alice" }, fault: { type: "hang" } });
    const engine = createTestEngine(server());
    const endpoint = foundryEndpoint(server());
    const stopAlice = new AbortController();
    const alice = runFlow(engine, customerFlow(1, 1), {
      inputs: { key: KEYS.alice, endpoint },
      signal: stopAlice.signal,
    });
    await waitUntil(() => server().requests.length === 1, { what: "Alice's request to arrive" });

    const bob = await runFlow(engine, customerFlow(1, 1, { timeoutMs: 5_000 }), {
      inputs: { key: KEYS.bob, endpoint },
    });
    stopAlice.abort();

    expect(bob.result.status, JSON.stringify(bob.result.error)).toBe("succeeded");
    expect((await alice).result.status).toBe("cancelled");
    expect(server().stats()).toMatchObject({ maxConcurrency: 2, maxConcurrencyByKey: { alice: 1, bob: 1 } });
  });

  it("frees the slot of a request that timed out", async () => {
    server().addRule({ match: { lastUserMessage: "Question 0" }, fault: { type: "hang" } });
    const engine = createTestEngine(server(), {
      single: {
        type: "azure-ai",
        endpoint: foundryEndpoint(server()),
        apiKey: new Secret(KEYS.bob),
        maxConcurrency: 1,
      },
    });
    const [hung, ...others] = chatNodes(3, { connection: "single" });
    // The hung request must reach the server before its deadline, which the log's order checks:
    // a second leaves a loaded machine the time.
    const { result } = await runFlow(engine, {
      nodes: [{ ...hung!, timeoutMs: 1_000, continueOnError: true }, ...others],
    });

    expect(result.nodes["ask-0"]?.error?.code).toBe("node.timeout");
    expect(result.nodes["ask-1"]?.status).toBe("succeeded");
    expect(result.nodes["ask-2"]?.status).toBe("succeeded");
    // One at a time, in order. (The server may see the next request a moment before it sees the
    // timed-out one's socket close, so its counters are not compared here.)
    expect(server().requests.map((entry) => entry.lastUserMessage)).toEqual([
      "Question 0",
      "Question 1",
      "Question 2",
    ]);
    expect(server().requests[2]?.concurrency).toBe(1);
  });

  it("frees the slot between retries", async () => {
    server().addRule({
      match: { lastUserMessage: "Question 0" },
      fault: { type: "status", status: 503 },
      times: 2,
    });
    const engine = createTestEngine(server(), {
      single: {
        type: "azure-ai",
        endpoint: foundryEndpoint(server()),
        apiKey: new Secret(KEYS.bob),
        maxConcurrency: 1,
      },
    });
    const { result } = await runFlow(engine, { nodes: chatNodes(3, { connection: "single" }) });

    expect(result.status).toBe("succeeded");
    expect(result.nodes["ask-0"]?.attempts).toBe(3);
    expect(server().stats()).toMatchObject({ total: 5, maxConcurrencyByKey: { bob: 1 } });
  });
});
