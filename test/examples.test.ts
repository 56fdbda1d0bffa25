import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  createEngine,
  InMemoryConnectionProvider,
  RUN_EVENT_NAMES,
  type RunResult,
  renderGraph,
  Secret,
} from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import plugin from "../examples/plugin/json-service.mjs";
import { cleanForSnapshot, wireSummary } from "./support/clean.js";

const EXAMPLES = join(import.meta.dirname, "..", "examples");
const CANARY = "test-key-CANARY-customer-0001";
const keys = {
  shared: "test-key-shared-0001",
  support: "test-key-support-0001",
  customer: CANARY,
  contoso: "test-key-contoso-0001",
  fabrikam: "test-key-fabrikam-0001",
  moderation: "test-key-moderation-0001",
  search: "test-key-search-0001",
  serp: "test-key-serp-0001",
  contosoSafety: "test-key-contoso-safety-0001",
  contosoSearch: "test-key-contoso-search-0001",
  fabrikamSafety: "test-key-fabrikam-safety-0001",
  fabrikamSearch: "test-key-fabrikam-search-0001",
};

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** How each example is run offline: its inputs and static connections, pointing at the offline server. */
const scenarios: Record<
  string,
  Array<{
    title: string;
    inputs: (url: string) => Record<string, unknown>;
    /** When given: every request carried one of these keys (by name), and each of them was used. */
    keyNames?: string[];
  }>
> = {
  variables: [{ title: "defaults", inputs: () => ({ seats: 5 }) }],
  "static-connection": [{ title: "static", inputs: () => ({}) }],
  "dynamic-connection": [
    {
      title: "Foundry endpoint",
      inputs: (url) => ({ customerKey: CANARY, customerEndpoint: `${url}/models` }),
    },
    {
      title: "Azure OpenAI deployment",
      inputs: (url) => ({ customerKey: CANARY, customerEndpoint: `${url}/openai/deployments/gpt-4o-mini` }),
    },
  ],
  "two-customers": [
    {
      title: "parallel",
      inputs: (url) => ({
        contosoKey: keys.contoso,
        contosoEndpoint: `${url}/models`,
        fabrikamKey: keys.fabrikam,
        fabrikamEndpoint: `${url}/openai/deployments/fabrikam-gpt`,
      }),
    },
  ],
  "endpoint-kinds": [{ title: "three nodes", inputs: () => ({}) }],
  "fallback-to-static": [
    { title: "no own key: static", inputs: () => ({}) },
    {
      title: "own key: dynamic",
      inputs: (url) => ({ bringOwnKey: true, customerKey: CANARY, customerEndpoint: `${url}/models` }),
    },
  ],
  streaming: [{ title: "streamed", inputs: () => ({}) }],
  "multi-step": [
    {
      title: "draft then review",
      inputs: (url) => ({ customerKey: CANARY, customerEndpoint: `${url}/openai/deployments/gpt-4o-mini` }),
    },
  ],
  rag: [{ title: "hybrid retrieval", inputs: () => ({}) }],
  "moderated-chat": [
    { title: "accepted text", inputs: () => ({}) },
    {
      title: "rejected text",
      inputs: () => ({ text: "Describe the fight in detail violence:6" }),
    },
  ],
  "web-grounded": [{ title: "top results", inputs: () => ({}) }],
  "per-customer": [
    {
      title: "contoso",
      inputs: (url) => ({
        safetyEndpoint: url,
        safetyKey: keys.contosoSafety,
        searchEndpoint: url,
        searchKey: keys.contosoSearch,
        aiEndpoint: `${url}/models`,
        aiKey: keys.contoso,
      }),
      keyNames: ["contoso", "contosoSafety", "contosoSearch"],
    },
    {
      title: "fabrikam",
      inputs: (url) => ({
        safetyEndpoint: url,
        safetyKey: keys.fabrikamSafety,
        searchEndpoint: url,
        searchKey: keys.fabrikamSearch,
        aiEndpoint: `${url}/models`,
        aiKey: CANARY,
      }),
      keyNames: ["customer", "fabrikamSafety", "fabrikamSearch"],
    },
  ],
  // It calls a JSON service, not an LLM: test/plugin-example.test.ts runs it through the weft command.
  plugin: [],
};

const exampleNames = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function engineFor(url: string) {
  return createEngine({
    nodeTypes: [...builtinNodeTypes, ...plugin.nodeTypes],
    connectionKinds: [...builtinConnectionKinds, ...plugin.connectionKinds],
    connections: new InMemoryConnectionProvider({
      "shared-foundry": { type: "azure-ai", endpoint: `${url}/models`, apiKey: new Secret(keys.shared) },
      "support-deployment": {
        type: "azure-ai",
        endpoint: `${url}/openai/deployments/support-gpt`,
        apiKey: new Secret(keys.support),
      },
      moderation: { type: "azure-content-safety", endpoint: url, apiKey: new Secret(keys.moderation) },
      "docs-search": { type: "azure-ai-search", endpoint: url, apiKey: new Secret(keys.search) },
      web: { type: "serp", baseUrl: url, apiKey: new Secret(keys.serp) },
    }),
  });
}

it("every example folder has a scenario, a flow and a README", () => {
  expect(Object.keys(scenarios).sort()).toEqual(exampleNames);
  for (const name of exampleNames) {
    expect(readFileSync(join(EXAMPLES, name, `${name}.flow.json`), "utf8")).toContain('"nodes"');
    expect(readFileSync(join(EXAMPLES, name, "README.md"), "utf8")).toContain("```mermaid");
  }
});

describe.each(exampleNames)("example %s", (name) => {
  const text = readFileSync(join(EXAMPLES, name, `${name}.flow.json`), "utf8");

  it("README shows the current graph", () => {
    const graph = renderGraph(engineFor("http://127.0.0.1:1").compile(text), "mermaid");
    expect(readFileSync(join(EXAMPLES, name, "README.md"), "utf8")).toContain(
      `\`\`\`mermaid\n${graph}\`\`\``,
    );
  });

  it.each(scenarios[name] ?? [])("runs offline: $title", async ({ inputs, keyNames }) => {
    const engine = engineFor(server.url);
    const handle = engine.run(text, { inputs: inputs(server.url) });
    const events: Array<{ name: string; payload: unknown }> = [];
    for (const event of RUN_EVENT_NAMES)
      handle.on(event, (payload: unknown) => events.push({ name: event, payload }));
    const result: RunResult = await handle;

    expect(result.status, JSON.stringify(result.error)).toBe("succeeded");
    const tokens = events.filter((event) => event.name === "node:token");
    if (name === "streaming") {
      expect(tokens.length).toBeGreaterThan(1);
      expect(tokens.map((event) => (event.payload as { token: string }).token).join("")).toBe(
        result.outputs.story,
      );
    }
    expectTokenOutputsLabelledRight(result);
    // No secret reaches the result, the events or the server's log.
    for (const sink of [result, events, server.requests]) {
      const serialized = JSON.stringify(sink);
      for (const key of Object.values(keys)) expect(serialized).not.toContain(key);
    }
    if (keyNames) {
      const used = new Set(server.requests.map((entry) => String(entry.keyName)));
      expect([...used].sort()).toEqual([...keyNames].sort());
    }
    const port = new URL(server.url).port;
    expect({
      result: cleanForSnapshot(result, Number(port)),
      wire: wireSummary(server.requests as unknown as Array<Record<string, unknown>>),
    }).toMatchSnapshot();
  });
});

/**
 * A token count an example outputs says whose it is: `totalTokens` is the run's total, and
 * `<node>Tokens` one node's (`contosoTokens` for `contoso-answer`), never one node's as the total.
 */
function expectTokenOutputsLabelledRight(result: RunResult) {
  for (const [key, value] of Object.entries(result.outputs)) {
    if (!/tokens$/i.test(key)) continue;
    if (key === "totalTokens") {
      expect(value, "output totalTokens: the run's total").toBe(result.usage.totalTokens);
      continue;
    }
    const prefix = /^([a-z][A-Za-z0-9]*)Tokens$/.exec(key)?.[1];
    const id = prefix?.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    // The node it names, among those that used tokens: `contoso` is `contoso-answer`.
    const nodes = Object.entries(result.nodes).filter(
      ([nodeId, node]) =>
        id !== undefined && (nodeId === id || nodeId.startsWith(`${id}-`)) && node.usage !== undefined,
    );
    expect(
      nodes.map(([nodeId]) => nodeId),
      `output ${key}: expected totalTokens or <node>Tokens`,
    ).toHaveLength(1);
    expect(value, `output ${key}`).toBe(nodes[0]![1].usage?.totalTokens);
  }
}
