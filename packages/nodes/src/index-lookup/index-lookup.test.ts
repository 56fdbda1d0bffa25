import { type FlowDefinition, FlowValidationError, Secret } from "@weft/engine";
import { fingerprintKey } from "@weft/testing";
import { describe, expect, it } from "vitest";
import { FAST_RETRY, KEYS, runFlow, serverHost, useLlmServer } from "../../test-support/offline-engine.js";
import { createSearchEngine, lookupOutput } from "../../test-support/search-engine.js";

const server = useLlmServer();

/** One index-lookup node on the static `shared-search` connection. */
function lookupFlow(inputs: Record<string, unknown>, node: Record<string, unknown> = {}): FlowDefinition {
  return {
    nodes: [
      {
        id: "lookup",
        type: "index-lookup",
        connection: "shared-search",
        retry: { ...FAST_RETRY },
        inputs: { index: "handbook", ...inputs },
        ...node,
      },
    ],
  };
}

async function lookup(inputs: Record<string, unknown>) {
  const { result } = await runFlow(createSearchEngine(server()), lookupFlow(inputs));
  return { result, output: lookupOutput(result, "lookup") };
}

/** The validation message for a flow the engine refuses before running it. */
function invalidFlowMessage(flow: FlowDefinition): string {
  try {
    createSearchEngine(server()).run(flow);
  } catch (error) {
    expect(error).toBeInstanceOf(FlowValidationError);
    return (error as Error).message;
  }
  throw new Error("expected the flow to be refused");
}

const ids = (output: { results: Array<{ document: Record<string, unknown> }> }) =>
  output.results.map((hit) => hit.document.id);

describe("index-lookup through @azure/search-documents", () => {
  it("runs a keyword query: term overlap ranks the documents, top 3 by default", async () => {
    const { output } = await lookup({ query: "rotate old key" });
    expect(ids(output)).toEqual(["1", "4"]);
    expect(output.results[0]?.score).toBeGreaterThan(output.results[1]?.score ?? Infinity);
    expect(output.results[0]?.rerankerScore).toBeUndefined();
    expect(output.results[0]?.document).toMatchObject({ title: "Rotating API keys", category: "security" });
    expect(output.connection).toEqual({
      source: "static",
      host: serverHost(server()),
      name: "shared-search",
    });
    expect(server().requests).toMatchObject([
      {
        method: "POST",
        path: "/indexes('handbook')/docs/search.post.search",
        route: "search",
        index: "handbook",
        search: "rotate old key",
        queryType: "simple",
        keyName: "shared",
        auth: "api-key",
        status: 200,
      },
    ]);
    expect(server().requests[0]?.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });

  it("runs a vector query: cosine similarity on the vector field, k = top", async () => {
    const { output } = await lookup({ vector: [0.1, 0.8, 0.1, 0.1], vectorFields: "contentVector", top: 2 });
    expect(ids(output)).toEqual(["2", "5"]);
    expect(output.results[0]?.score).toBeLessThanOrEqual(1);
    expect(server().requests[0]).toMatchObject({ queryType: "vector" });
    expect(server().requests[0]?.search).toBeUndefined();
  });

  it("runs a hybrid query: text and vector rankings fused", async () => {
    const { output } = await lookup({
      query: "retry-after",
      vector: [0.1, 0.8, 0.1, 0.1],
      vectorFields: ["contentVector"],
      queryType: "hybrid",
    });
    // Both rankings hold 2 and 5; the fused scores put them first.
    expect(ids(output).slice(0, 2).sort()).toEqual(["2", "5"]);
    expect(server().requests[0]).toMatchObject({ queryType: "hybrid", search: "retry-after" });
  });

  it("runs a semantic query: the reranker's score orders the hits", async () => {
    const { output } = await lookup({
      query: "customer keys",
      queryType: "semantic",
      semanticConfiguration: "default",
    });
    expect(output.results.length).toBeGreaterThan(0);
    const scores = output.results.map((hit) => hit.rerankerScore);
    expect(scores.every((score) => typeof score === "number")).toBe(true);
    expect([...(scores as number[])].sort((a, b) => b - a)).toEqual(scores);
    expect(server().requests[0]).toMatchObject({ queryType: "semantic" });
  });

  it("reranks a hybrid query semantically when a semantic query also has a vector", async () => {
    const { output } = await lookup({
      query: "retry-after",
      vector: [0.1, 0.8, 0.1, 0.1],
      vectorFields: "contentVector",
      queryType: "semantic",
      semanticConfiguration: "default",
      top: 2,
    });
    expect(ids(output).sort()).toEqual(["2", "5"]);
    expect(output.results.every((hit) => hit.rerankerScore === 4)).toBe(true);
    expect(server().requests[0]).toMatchObject({ queryType: "semantic", search: "retry-after" });
  });

  it("infers the query type from the inputs when none is given", async () => {
    await lookup({ query: "quota", vector: [0, 1, 0, 0], vectorFields: "contentVector" });
    await lookup({ vector: [0, 1, 0, 0], vectorFields: "contentVector" });
    expect(server().requests.map((request) => request.queryType)).toEqual(["hybrid", "vector"]);
  });

  it("honours select and a filter", async () => {
    const { output } = await lookup({
      query: "*",
      select: "id,title",
      filter: "category eq 'security'",
      top: 10,
    });
    expect(output.results.map((hit) => hit.document)).toEqual([
      { id: "1", title: "Rotating API keys" },
      { id: "4", title: "Secrets in logs" },
    ]);
  });

  it("uses the connection's apiVersion", async () => {
    const engine = createSearchEngine(server(), {
      pinned: {
        type: "azure-ai-search",
        endpoint: server().url,
        apiKey: new Secret(KEYS.shared),
        apiVersion: "2024-07-01",
      },
    });
    const { result } = await runFlow(engine, lookupFlow({ query: "quota" }, { connection: "pinned" }));
    expect(result.status).toBe("succeeded");
    expect(server().requests[0]?.apiVersion).toBe("2024-07-01");
  });
});

describe("index-lookup refuses inputs that do not fit the query type", () => {
  it.each([
    [{ queryType: "keyword" }, 'queryType "keyword" needs "query"'],
    [{ queryType: "vector", vector: [1, 0, 0, 0] }, '"vector" needs "vectorFields"'],
    [{ queryType: "vector", vectorFields: "contentVector" }, 'queryType "vector" needs "vector"'],
    [
      { queryType: "vector", query: "x", vector: [1], vectorFields: "v" },
      'queryType "vector" does not use "query"',
    ],
    [{ queryType: "hybrid", query: "x" }, 'queryType "hybrid" needs "vector"'],
    [{ queryType: "semantic", query: "x" }, 'queryType "semantic" needs "semanticConfiguration"'],
    [
      { query: "x", semanticConfiguration: "default" },
      'queryType "keyword" does not use "semanticConfiguration"',
    ],
    [
      { queryType: "keyword", query: "x", vector: [1], vectorFields: "v" },
      'queryType "keyword" does not use "vector"',
    ],
    [{ query: "x", select: "id,not a field" }, "expected field names"],
    [{ query: "" }, "expected a non-empty query"],
    [{ query: "x", top: 0 }, "inputs.top"],
  ])("literal inputs %j are refused before anything runs", (inputs, message) => {
    expect(invalidFlowMessage(lookupFlow(inputs))).toContain(message);
    expect(server().requests).toHaveLength(0);
  });

  it("refuses an index name the service would not accept, before anything runs", () => {
    expect(invalidFlowMessage(lookupFlow({ index: "Bad/Index", query: "x" }))).toContain(
      "nodes[0].inputs.index: invalid input for index-lookup: expected an index name",
    );
  });

  it("checks inputs that arrive through references when the node runs", async () => {
    const flow: FlowDefinition = {
      inputs: { type: { type: "string" }, text: { type: "string" } },
      nodes: [
        {
          id: "lookup",
          type: "index-lookup",
          connection: "shared-search",
          inputs: { index: "handbook", queryType: "${inputs.type}", query: "${inputs.text}" },
        },
      ],
    };
    const { result } = await runFlow(createSearchEngine(server()), flow, {
      inputs: { type: "vector", text: "quota" },
    });
    expect(result.status).toBe("failed");
    expect(result.nodes.lookup?.error).toMatchObject({ code: "node.input" });
    expect(result.nodes.lookup?.error?.message).toContain('queryType "vector" needs "vector"');
    expect(server().requests).toHaveLength(0);
  });
});

describe("index-lookup and the override rule", () => {
  it("uses a dynamic connection over the static one: the request carries the dynamic key", async () => {
    const flow: FlowDefinition = {
      inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
      nodes: [
        {
          id: "connect",
          type: "create-search-connection",
          inputs: {
            endpoint: "${inputs.endpoint}",
            apiKey: "${inputs.key}",
            variable: "search",
            name: "alice",
          },
        },
        {
          id: "lookup",
          type: "index-lookup",
          connection: "shared-search",
          dynamicConnection: "${vars.search}",
          inputs: { index: "handbook", query: "quota" },
        },
      ],
    };
    const { result } = await runFlow(createSearchEngine(server()), flow, {
      inputs: { key: KEYS.alice, endpoint: server().url },
    });
    expect(lookupOutput(result, "lookup").connection).toEqual({
      source: "dynamic",
      host: serverHost(server()),
      name: "alice",
    });
    expect(server().requests).toMatchObject([
      { keyName: "alice", keyFingerprint: fingerprintKey(KEYS.alice) },
    ]);
    expect(server().requests[0]?.keyFingerprint).not.toBe(fingerprintKey(KEYS.shared));
  });
});
