import { type FlowDefinition, Secret } from "@weft/engine";
import { fingerprintKey } from "@weft/testing";
import { describe, expect, it } from "vitest";
import {
  BLOCKLISTS,
  contentSafetyConnection,
  moderateNode,
  moderation,
} from "../../test-support/content-safety.js";
import {
  createTestEngine,
  eventsNamed,
  KEYS,
  runFlow,
  serverHost,
  useLlmServer,
} from "../../test-support/offline-engine.js";

const server = useLlmServer({ contentSafety: { blocklists: BLOCKLISTS } });

const engine = () => createTestEngine(server(), contentSafetyConnection(server()));

describe("content-safety-text", () => {
  it("analyses the text through the real client and decides as promptflow does (medium by default)", async () => {
    const { result } = await runFlow(engine(), {
      nodes: [moderateNode({ text: "a violence:5 story with hate:2 in it" })],
      outputs: { action: "${nodes.moderate.output.suggestedAction}" },
    });

    expect(result.outputs).toEqual({ action: "Reject" });
    expect(moderation(result)).toEqual({
      suggestedAction: "Reject",
      actionByCategory: { Hate: "Accept", SelfHarm: "Accept", Sexual: "Accept", Violence: "Reject" },
      categories: [
        { category: "Hate", severity: 2 },
        { category: "SelfHarm", severity: 0 },
        { category: "Sexual", severity: 0 },
        { category: "Violence", severity: 4 },
      ],
      blocklistMatches: [],
      connection: { source: "static", host: serverHost(server()), name: "shared-moderation" },
    });
    expect(server().requests).toMatchObject([
      {
        route: "content-safety-analyze-text",
        apiVersion: "2023-10-01",
        auth: "subscription-key",
        keyName: "shared",
        status: 200,
        contentSafety: {
          text: "a violence:5 story with hate:2 in it",
          categories: ["Hate", "SelfHarm", "Sexual", "Violence"],
          blocklistNames: [],
          outputType: "FourSeverityLevels",
        },
      },
    ]);
  });

  it("applies each category's sensitivity, and rejects on a blocklist match", async () => {
    const text = "hate:2 sexual:6 selfharm:4 violence:6";
    const { result } = await runFlow(engine(), {
      nodes: [
        moderateNode({ text, hate: "high_sensitivity", sexual: "disable", selfHarm: "low_sensitivity" }),
        { ...moderateNode({ text: "please FROBNICATE", blocklistNames: ["banned-words"] }), id: "blocked" },
      ],
    });

    expect(moderation(result).actionByCategory).toEqual({
      Hate: "Reject",
      SelfHarm: "Accept",
      Sexual: "Accept",
      Violence: "Reject",
    });
    const blocked = result.nodes.blocked?.output as ReturnType<typeof moderation>;
    expect(blocked).toMatchObject({
      suggestedAction: "Reject",
      actionByCategory: { Hate: "Accept", SelfHarm: "Accept", Sexual: "Accept", Violence: "Accept" },
      blocklistMatches: [{ blocklistName: "banned-words", blocklistItemText: "frobnicate" }],
    });
    expect(server().requests.map((entry) => entry.contentSafety?.blocklistNames)).toContainEqual([
      "banned-words",
    ]);
  });

  it("accepts a harmless text and sends the connection's apiVersion", async () => {
    const engine = createTestEngine(
      server(),
      contentSafetyConnection(server(), KEYS.shared, { apiVersion: "2024-09-01" }),
    );
    const { result } = await runFlow(engine, { nodes: [moderateNode({ text: "What a lovely day." })] });

    expect(moderation(result).suggestedAction).toBe("Accept");
    expect(server().requests[0]?.apiVersion).toBe("2024-09-01");
  });

  it("accepts an empty text without a request, and refuses a text the service would not analyse", async () => {
    const { result } = await runFlow(engine(), {
      nodes: [
        moderateNode({ text: "  " }),
        { ...moderateNode({ text: "x".repeat(10_001) }), id: "long", continueOnError: true },
      ],
    });

    expect(moderation(result)).toMatchObject({
      suggestedAction: "Accept",
      categories: [],
      blocklistMatches: [],
    });
    expect(result.nodes.long?.error).toMatchObject({
      code: "node.input",
      message: expect.stringContaining("inputs.text: expected at most 10000 characters"),
    });
    expect(server().requests).toHaveLength(0);
  });

  it("counts the text's length in characters, as the service does, not in UTF-16 units", async () => {
    // 10,000 emoji are 20,000 UTF-16 units: still within the limit.
    const { result } = await runFlow(engine(), { nodes: [moderateNode({ text: "😀".repeat(10_000) })] });

    expect(moderation(result).suggestedAction).toBe("Accept");
    expect(server().requests).toMatchObject([{ status: 200 }]);
  });

  it("refuses unknown inputs and sensitivities before anything runs", () => {
    const issues = engine().validate(
      JSON.stringify({ nodes: [moderateNode({ text: "hi", hate: "extreme", severity: 2 })] }),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: "nodes[0].inputs.hate",
        message: expect.stringContaining(
          'expected one of "disable"|"low_sensitivity"|"medium_sensitivity"|"high_sensitivity"',
        ),
      }),
      expect.objectContaining({
        path: "nodes[0].inputs.severity",
        message: expect.stringContaining('unknown input "severity"'),
      }),
    ]);
  });

  it("refuses a connection of another kind", async () => {
    const { result } = await runFlow(engine(), {
      nodes: [moderateNode({ text: "hi" }, { connection: "shared-foundry" })],
    });
    expect(result.nodes.moderate?.error).toMatchObject({
      code: "connection.invalid",
      message: "content-safety-text needs an azure-content-safety connection, got a azure-ai one",
    });
  });
});

describe("content-safety-text: the customer's own resource", () => {
  /** A customer's Content Safety connection built at run time from secret inputs; `own` decides whether it is built. */
  const customerFlow: FlowDefinition = {
    inputs: {
      key: { type: "secret" },
      endpoint: { type: "string" },
      own: { type: "boolean", default: true },
    },
    nodes: [
      {
        id: "customer",
        type: "declare-variable",
        when: "${inputs.own}",
        inputs: {
          name: "customerModeration",
          value: {
            type: "azure-content-safety",
            endpoint: "${inputs.endpoint}",
            apiKey: "${inputs.key}",
            name: "alice",
          },
        },
      },
      { ...moderateNode({ text: "hate:4" }), dynamicConnection: "${vars.customerModeration}" },
    ],
  };

  it("uses the dynamic connection over the static one: the request goes out on the customer's key", async () => {
    const { result } = await runFlow(engine(), customerFlow, {
      inputs: { key: KEYS.alice, endpoint: server().url },
    });

    expect(moderation(result).connection).toEqual({
      source: "dynamic",
      host: serverHost(server()),
      name: "alice",
    });
    expect(server().requests).toMatchObject([
      { keyName: "alice", keyFingerprint: fingerprintKey(KEYS.alice) },
    ]);
  });

  it("falls back to the static connection when the dynamic one resolves to nothing", async () => {
    const { result } = await runFlow(engine(), customerFlow, {
      inputs: { key: KEYS.alice, endpoint: server().url, own: false },
    });

    expect(moderation(result).connection.source).toBe("static");
    expect(server().requests).toMatchObject([{ keyFingerprint: fingerprintKey(KEYS.shared) }]);
  });

  it("keeps two customers' keys apart in one engine", async () => {
    const shared = engine();
    const [alice, bob] = await Promise.all([
      runFlow(shared, customerFlow, { inputs: { key: KEYS.alice, endpoint: server().url } }),
      runFlow(shared, customerFlow, { inputs: { key: new Secret(KEYS.bob), endpoint: server().url } }),
    ]);
    expect(alice.result.status).toBe("succeeded");
    expect(bob.result.status).toBe("succeeded");
    expect(
      server()
        .requests.map((entry) => entry.keyName)
        .sort(),
    ).toEqual(["alice", "bob"]);
  });

  it("fails with llm.auth on a wrong customer key, without retrying", async () => {
    const { result, events } = await runFlow(engine(), customerFlow, {
      inputs: { key: "not-a-valid-key-4411", endpoint: server().url },
    });

    expect(result.nodes.moderate).toMatchObject({
      status: "failed",
      attempts: 1,
      error: {
        code: "llm.auth",
        message: expect.stringContaining("answered 401: Access denied due to invalid subscription key"),
      },
    });
    expect(eventsNamed(events, "node:retry")).toHaveLength(0);
    expect(server().requests).toMatchObject([
      { status: 401, keyFingerprint: fingerprintKey("not-a-valid-key-4411") },
    ]);
  });
});

describe("content-safety-text: maxConcurrency", () => {
  it("holds the connection's maxConcurrency across nodes", async () => {
    server().addContentSafetyRule({ delayMs: 30 });
    const engine = createTestEngine(
      server(),
      contentSafetyConnection(server(), KEYS.shared, { maxConcurrency: 1 }),
    );
    const nodes = ["a", "b", "c"].map((id) => ({ ...moderateNode({ text: `text ${id}` }), id }));
    const { result } = await runFlow(engine, { nodes });

    expect(result.status).toBe("succeeded");
    expect(server().requests).toHaveLength(3);
    expect(server().stats().maxConcurrency).toBe(1);
  });

  it("lets requests overlap without a limit", async () => {
    // Answers slow enough that the requests overlap even on a loaded machine.
    server().addContentSafetyRule({ delayMs: 300 });
    const nodes = ["a", "b", "c"].map((id) => ({ ...moderateNode({ text: `text ${id}` }), id }));
    const { result } = await runFlow(engine(), { nodes });

    expect(result.status).toBe("succeeded");
    expect(server().stats().maxConcurrency).toBeGreaterThan(1);
  });
});
