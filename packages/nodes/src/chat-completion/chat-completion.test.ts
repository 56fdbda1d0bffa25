import {
  createEngine,
  type FlowDefinition,
  FlowValidationError,
  InMemoryConnectionProvider,
  Secret,
} from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  chatOutput,
  createTestEngine,
  deploymentEndpoint,
  echoRequest,
  FAST_RETRY,
  foundryEndpoint,
  KEYS,
  runFlow,
  serverHost,
  useLlmServer,
} from "../../test-support/offline-engine.js";
import { builtinConnectionKinds, builtinNodeTypes } from "../index.js";

const server = useLlmServer();

/**
 * The flow of DESIGN.md: each customer brings a key and an endpoint; the chat node falls back to a
 * static connection when the customer's connection is not built.
 */
function customerFlow(
  options: { connection?: string; chat?: Record<string, unknown>; ownKey?: boolean } = {},
): FlowDefinition {
  return {
    name: "customer-chat",
    inputs: {
      question: { type: "string", default: "What is Weft?" },
      customerKey: { type: "secret", default: "unused-default-key" },
      customerEndpoint: { type: "string", default: "http://127.0.0.1:9/models" },
      ownKey: { type: "boolean", default: true },
    },
    nodes: [
      {
        id: "endpoint",
        type: "declare-variable",
        inputs: { name: "endpoint", value: "${inputs.customerEndpoint}" },
      },
      {
        id: "customer-connection",
        type: "create-azure-ai-connection",
        when: "${inputs.ownKey}",
        inputs: {
          apiKey: "${inputs.customerKey}",
          endpoint: "${vars.endpoint}",
          variable: "customerConnection",
        },
      },
      {
        id: "answer",
        type: "chat-completion",
        ...(options.connection === undefined ? {} : { connection: options.connection }),
        dynamicConnection: "${vars.customerConnection}",
        retry: FAST_RETRY,
        inputs: {
          model: "gpt-4o-mini",
          messages: [
            { role: "system", content: "Answer briefly." },
            { role: "user", content: "${inputs.question}" },
          ],
          ...options.chat,
        },
      },
    ],
    outputs: { answer: "${nodes.answer.output.content}", via: "${nodes.answer.output.connection}" },
  };
}

describe("chat-completion: the override rule", () => {
  it("uses the dynamic connection over the static one", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      customerFlow({ connection: "shared-foundry" }),
      {
        inputs: { customerKey: KEYS.alice, customerEndpoint: foundryEndpoint(server()) },
      },
    );

    expect(result.status).toBe("succeeded");
    expect(result.outputs).toEqual({
      answer: 'Offline reply from gpt-4o-mini: "What is Weft?"',
      via: { source: "dynamic", kind: "foundry-models", host: serverHost(server()) },
    });
    expect(server().requests).toMatchObject([{ route: "foundry-models", keyName: "alice", status: 200 }]);
    // Unnamed: by its host and a fingerprint of its key (never the key).
    const [label, usage] = Object.entries(result.usage.byConnection)[0]!;
    expect(label).toMatch(new RegExp(`^${serverHost(server()).replace(/\./g, "\\.")}#key-[0-9a-f]{8}$`));
    expect(usage).toEqual({
      requests: 1,
      promptTokens: 5,
      completionTokens: 7,
      totalTokens: 12,
      reported: true,
      unreportedRequests: 0,
    });
  });

  it("records the dynamic connection's name when it has one", async () => {
    const flow = customerFlow({ connection: "shared-foundry" });
    flow.nodes[1]!.inputs = { ...flow.nodes[1]!.inputs, name: "alice-subscription" };
    const { result } = await runFlow(createTestEngine(server()), flow, {
      inputs: { customerKey: KEYS.alice, customerEndpoint: foundryEndpoint(server()) },
    });

    expect(chatOutput(result, "answer").connection).toEqual({
      source: "dynamic",
      kind: "foundry-models",
      host: serverHost(server()),
      name: "alice-subscription",
    });
  });

  it("falls back to the static connection when the dynamic one's writer is skipped", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      customerFlow({ connection: "shared-foundry" }),
      {
        inputs: { ownKey: false },
      },
    );

    expect(result.status).toBe("succeeded");
    expect(result.nodes["customer-connection"]).toMatchObject({
      status: "skipped",
      reason: "its condition (when) was false",
    });
    const output = chatOutput(result, "answer");
    expect(output.connection).toEqual({
      source: "static",
      kind: "foundry-models",
      host: serverHost(server()),
      name: "shared-foundry",
    });
    expect(JSON.stringify(output)).not.toContain(KEYS.shared);
    expect(server().requests).toMatchObject([{ route: "foundry-models", keyName: "shared" }]);
    expect(Object.keys(result.usage.byConnection)).toEqual(["shared-foundry"]);
  });

  it("fails with connection.missing, naming both, when neither connection exists", async () => {
    const { result } = await runFlow(createTestEngine(server()), customerFlow(), {
      inputs: { ownKey: false },
    });

    expect(result.status).toBe("failed");
    const error = result.nodes.answer?.error;
    expect(error).toMatchObject({ code: "connection.missing", nodeId: "answer" });
    expect(error?.message).toBe(
      'no connection for node "answer": dynamicConnection ${vars.customerConnection} resolved to nothing ' +
        '(its writer "customer-connection" was skipped), and no static "connection" is set',
    );
    expect(result.error).toEqual(error);
    expect(result.nodes.answer?.attempts).toBe(1);
    expect(server().requests).toHaveLength(0);
  });

  it("fails with connection.unknown, listing the known names, for an unknown static name", async () => {
    const { result } = await runFlow(createTestEngine(server()), customerFlow({ connection: "nope" }), {
      inputs: { ownKey: false },
    });

    const error = result.nodes.answer?.error;
    expect(error?.code).toBe("connection.unknown");
    expect(error?.message).toContain('unknown connection "nope"');
    expect(error?.message).toContain("dynamicConnection ${vars.customerConnection} resolved to nothing");
    expect(error?.message).toContain("expected one of shared-foundry, shared-deployment, shared-openai");
    expect(server().requests).toHaveLength(0);
  });

  it("says when no connections are configured at all", async () => {
    const engine = createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds });
    const { result } = await runFlow(engine, {
      nodes: [{ id: "answer", type: "chat-completion", connection: "shared", inputs: { prompt: "Hi" } }],
    });

    expect(result.nodes.answer?.error).toMatchObject({
      code: "connection.unknown",
      message: 'unknown connection "shared": expected one of (no connections are configured)',
    });
  });

  it("fails with connection.invalid when dynamicConnection points at something else", async () => {
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        { id: "text", type: "declare-variable", inputs: { name: "notAConnection", value: "hello" } },
        {
          id: "answer",
          type: "chat-completion",
          connection: "shared-foundry",
          dynamicConnection: "${vars.notAConnection}",
          inputs: { model: "m", prompt: "Hi" },
        },
      ],
    });

    expect(result.nodes.answer?.error).toMatchObject({ code: "connection.invalid", nodeId: "answer" });
    expect(result.nodes.answer?.error?.message).toBe(
      'dynamicConnection ${vars.notAConnection} is not a connection: expected a connection ("azure-ai", ' +
        '"openai", "serverless", "custom", "azure-ai-search", "azure-content-safety", "serp"), got "hello"',
    );
    expect(server().requests).toHaveLength(0);
  });

  it("does not take a look-alike object with a plain-text key for a connection", async () => {
    const lookAlike = { type: "azure-ai", endpoint: foundryEndpoint(server()), apiKey: KEYS.shared };
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        { id: "conn", type: "declare-variable", inputs: { name: "conn", value: lookAlike } },
        {
          id: "answer",
          type: "chat-completion",
          dynamicConnection: "${vars.conn}",
          inputs: { model: "m", prompt: "Hi" },
        },
      ],
    });

    expect(result.nodes.answer?.error?.code).toBe("connection.invalid");
    expect(result.nodes.answer?.error?.message).toContain("got an object");
    expect(server().requests).toHaveLength(0);
  });

  it("refuses a custom connection", async () => {
    const engine = createTestEngine(server(), {
      custom: { type: "custom", configs: { url: server().url }, secrets: { token: new Secret(KEYS.shared) } },
    });
    const { result } = await runFlow(engine, {
      nodes: [{ id: "answer", type: "chat-completion", connection: "custom", inputs: { prompt: "Hi" } }],
    });

    expect(result.nodes.answer?.error).toMatchObject({ code: "connection.invalid" });
    expect(result.nodes.answer?.error?.message).toContain(
      "needs an azure-ai, openai or serverless connection",
    );
  });

  it("asks the connection provider when the node runs, so an app can supply connections late", async () => {
    const provider = new InMemoryConnectionProvider();
    const engine = createEngine({
      nodeTypes: builtinNodeTypes,
      connectionKinds: builtinConnectionKinds,
      connections: provider,
    });
    const flow: FlowDefinition = {
      nodes: [
        { id: "answer", type: "chat-completion", connection: "late", inputs: { model: "m", prompt: "Hi" } },
      ],
    };
    expect((await runFlow(engine, flow)).result.nodes.answer?.error?.code).toBe("connection.unknown");

    provider.set("late", {
      type: "azure-ai",
      endpoint: foundryEndpoint(server()),
      apiKey: new Secret(KEYS.bob),
    });
    const { result } = await runFlow(engine, flow);
    expect(chatOutput(result, "answer").connection).toMatchObject({ source: "static", name: "late" });
    expect(server().requests).toMatchObject([{ keyName: "bob" }]);
  });

  it("answers with a static connection whose key the app gave as a plain string", async () => {
    const engine = createEngine({
      nodeTypes: builtinNodeTypes,
      connections: new InMemoryConnectionProvider({
        x: { type: "azure-ai", endpoint: foundryEndpoint(server()), apiKey: KEYS.alice },
      }),
    });
    const { result, events } = await runFlow(engine, {
      nodes: [
        { id: "answer", type: "chat-completion", connection: "x", inputs: { model: "m", prompt: "Hi" } },
      ],
    });

    expect(result.status, JSON.stringify(result.error)).toBe("succeeded");
    expect(server().requests).toMatchObject([{ keyName: "alice", status: 200 }]);
    expect(JSON.stringify({ result, events })).not.toContain(KEYS.alice);
  });
});

describe("chat-completion: one client per customer", () => {
  it.each([
    ["Foundry", (url: string) => `${url}/models`],
    ["deployment URL", (url: string) => `${url}/openai/deployments/gpt-4o-mini`],
  ])("sends each run's own key to the same %s endpoint", async (_, endpointOf) => {
    const engine = createTestEngine(server());
    const flow = customerFlow({ connection: "shared-foundry" });
    const endpoint = endpointOf(server().url);
    for (const key of [KEYS.alice, KEYS.bob, KEYS.alice]) {
      const { result } = await runFlow(engine, flow, {
        inputs: { customerKey: key, customerEndpoint: endpoint },
      });
      expect(result.status).toBe("succeeded");
    }

    expect(server().requests.map((entry) => entry.keyName)).toEqual(["alice", "bob", "alice"]);
  });

  it("sends each connection's own key to the same OpenAI-compatible server", async () => {
    const engine = createTestEngine(server(), {
      alice: { type: "openai", baseUrl: `${server().url}/v1`, apiKey: new Secret(KEYS.alice) },
      bob: { type: "openai", baseUrl: `${server().url}/v1`, apiKey: new Secret(KEYS.bob) },
    });
    for (const connection of ["alice", "bob", "alice"]) {
      await runFlow(engine, {
        nodes: [{ id: "answer", type: "chat-completion", connection, inputs: { model: "m", prompt: "Hi" } }],
      });
    }

    expect(server().requests.map((entry) => entry.keyName)).toEqual(["alice", "bob", "alice"]);
  });
});

describe("chat-completion: building the request", () => {
  it("puts the system prompt first and the prompt last, with every option on the wire", async () => {
    server().addRule({ reply: echoRequest });
    const { result } = await runFlow(
      createTestEngine(server()),
      {
        inputs: { question: { type: "string" } },
        nodes: [
          {
            id: "answer",
            type: "chat-completion",
            connection: "shared-foundry",
            inputs: {
              model: "gpt-4o-mini",
              system: "Be terse.",
              messages: [
                { role: "user", content: "Earlier question" },
                { role: "assistant", content: "Earlier answer" },
              ],
              prompt: "Now: ${inputs.question}",
              temperature: 0.2,
              maxTokens: 50,
              topP: 0.9,
              stop: ["\n\n", "END"],
              responseFormat: "json",
            },
          },
        ],
      },
      { inputs: { question: "what is 2+2?" } },
    );

    expect(JSON.parse(chatOutput(result, "answer").content)).toEqual({
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "Earlier question" },
        { role: "assistant", content: "Earlier answer" },
        { role: "user", content: "Now: what is 2+2?" },
      ],
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      stop: ["\n\n", "END"],
      response_format: { type: "json_object" },
    });
    expect(server().requests).toMatchObject([
      { model: "gpt-4o-mini", messages: 4, lastUserMessage: "Now: what is 2+2?" },
    ]);
  });

  it.each(["shared-deployment", "shared-openai"])(
    "sends the same fields through the openai SDK (%s)",
    async (connection) => {
      server().addRule({ reply: echoRequest });
      const { result } = await runFlow(createTestEngine(server()), {
        nodes: [
          {
            id: "answer",
            type: "chat-completion",
            connection,
            inputs: {
              model: "gpt-4o-mini",
              prompt: "Hi",
              temperature: 0,
              maxTokens: 1,
              topP: 1,
              stop: "END",
            },
          },
        ],
      });

      expect(JSON.parse(chatOutput(result, "answer").content)).toEqual({
        messages: [{ role: "user", content: "Hi" }],
        temperature: 0,
        max_tokens: 1,
        top_p: 1,
        stop: "END",
      });
    },
  );

  it("keeps the conversation's own system message instead of adding the system input", async () => {
    server().addRule({ reply: echoRequest });
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        {
          id: "answer",
          type: "chat-completion",
          connection: "shared-foundry",
          inputs: {
            model: "m",
            system: "Ignored.",
            messages: [
              { role: "system", content: "Kept." },
              { role: "user", content: "Hi" },
            ],
          },
        },
      ],
    });

    expect(JSON.parse(chatOutput(result, "answer").content).messages).toEqual([
      { role: "system", content: "Kept." },
      { role: "user", content: "Hi" },
    ]);
  });

  it("sends no optional field that was not given", async () => {
    server().addRule({ reply: echoRequest });
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        {
          id: "answer",
          type: "chat-completion",
          connection: "shared-foundry",
          inputs: { model: "m", prompt: "Hi" },
        },
      ],
    });

    expect(JSON.parse(chatOutput(result, "answer").content)).toEqual({
      messages: [{ role: "user", content: "Hi" }],
    });
  });

  it("gets a JSON object back with responseFormat json", async () => {
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        {
          id: "answer",
          type: "chat-completion",
          connection: "shared-deployment",
          inputs: { prompt: "Give me JSON", responseFormat: "json" },
        },
      ],
    });

    expect(JSON.parse(chatOutput(result, "answer").content)).toEqual({
      reply: 'Offline reply from gpt-4o-mini: "Give me JSON"',
    });
  });

  it("rejects a node with neither messages nor prompt before anything runs", () => {
    const flow: FlowDefinition = {
      nodes: [
        { id: "answer", type: "chat-completion", connection: "shared-foundry", inputs: { model: "m" } },
      ],
    };
    const engine = createTestEngine(server());

    expect(engine.validate(flow)).toMatchObject([
      {
        code: "flow.invalid-input",
        message: 'invalid input for chat-completion: expected "messages" or "prompt"',
      },
    ]);
    expect(() => engine.run(flow)).toThrow(FlowValidationError);
  });

  it.each([
    ["temperature", { temperature: 3 }],
    ["maxTokens", { maxTokens: 0 }],
    ["topP", { topP: 1.5 }],
    ["stop", { stop: ["a", "b", "c", "d", "e"] }],
    ["responseFormat", { responseFormat: "xml" }],
    ["messages", { messages: [{ role: "tool", content: "x" }] }],
  ])("rejects a literal %s out of range before anything runs", (field, inputs) => {
    const issues = createTestEngine(server()).validate({
      nodes: [
        {
          id: "answer",
          type: "chat-completion",
          connection: "shared-foundry",
          inputs: { model: "m", prompt: "Hi", ...inputs },
        },
      ],
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "flow.invalid-input" });
    expect(issues[0]?.path).toContain(`nodes[0].inputs.${field}`);
  });

  it("rejects a referenced value of the wrong type when the node runs", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      {
        inputs: { temperature: { type: "number" } },
        nodes: [
          {
            id: "answer",
            type: "chat-completion",
            connection: "shared-foundry",
            inputs: { model: "m", prompt: "Hi", temperature: "${inputs.temperature}" },
          },
        ],
      },
      { inputs: { temperature: 7 } },
    );

    expect(result.nodes.answer?.error).toMatchObject({ code: "node.input" });
    expect(result.nodes.answer?.error?.message).toContain("inputs.temperature");
    expect(server().requests).toHaveLength(0);
  });
});

describe("chat-completion: variables and multi-step flows", () => {
  it("writes the answer to resultVariable for later nodes", async () => {
    server().addRule({ reply: "Paris" });
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        {
          id: "answer",
          type: "chat-completion",
          connection: "shared-foundry",
          inputs: { model: "m", prompt: "Capital of France?", resultVariable: "capital" },
        },
        {
          id: "sentence",
          type: "declare-variable",
          inputs: { name: "sentence", value: "The capital is ${vars.capital}." },
        },
      ],
      outputs: { capital: "${vars.capital}", sentence: "${vars.sentence}" },
    });

    expect(result.outputs).toEqual({ capital: "Paris", sentence: "The capital is Paris." });
    expect(chatOutput(result, "answer").content).toBe("Paris");
  });

  it("feeds the first chat's answer into the second chat", async () => {
    server().addRule({ match: { lastUserMessage: "Name a colour." }, reply: "Teal" });
    server().addRule({
      match: { lastUserMessage: /^Write a haiku about Teal/ },
      reply: "Teal water, still sky",
    });
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        {
          id: "pick",
          type: "chat-completion",
          connection: "shared-foundry",
          inputs: { model: "m", prompt: "Name a colour.", resultVariable: "colour" },
        },
        {
          id: "write",
          type: "chat-completion",
          connection: "shared-deployment",
          inputs: {
            prompt:
              "Write a haiku about ${vars.colour}, using ${nodes.pick.output.usage.completionTokens} word.",
          },
        },
      ],
      outputs: { poem: "${nodes.write.output.content}" },
    });

    expect(result.status).toBe("succeeded");
    expect(result.outputs.poem).toBe("Teal water, still sky");
    expect(server().requests.map(({ route, lastUserMessage }) => ({ route, lastUserMessage }))).toEqual([
      { route: "foundry-models", lastUserMessage: "Name a colour." },
      { route: "azure-deployment", lastUserMessage: "Write a haiku about Teal, using 1 word." },
    ]);
    expect(result.usage).toMatchObject({ promptTokens: 3 + 8, completionTokens: 1 + 4, totalTokens: 16 });
    expect(result.usage.byConnection).toEqual({
      "shared-foundry": {
        requests: 1,
        promptTokens: 3,
        completionTokens: 1,
        totalTokens: 4,
        reported: true,
        unreportedRequests: 0,
      },
      "shared-deployment": {
        requests: 1,
        promptTokens: 8,
        completionTokens: 4,
        totalTokens: 12,
        reported: true,
        unreportedRequests: 0,
      },
    });
    expect(result.nodes.write?.usage).toEqual({
      requests: 1,
      promptTokens: 8,
      completionTokens: 4,
      totalTokens: 12,
      reported: true,
      unreportedRequests: 0,
    });
  });

  it("runs two customers on different endpoints in parallel, each with their own key", async () => {
    server().addRule({ delayMs: 300 });
    const { result } = await runFlow(
      createTestEngine(server()),
      {
        inputs: {
          aliceKey: { type: "secret" },
          aliceEndpoint: { type: "string" },
          bobKey: { type: "secret" },
          bobEndpoint: { type: "string" },
        },
        nodes: [
          {
            id: "alice-connection",
            type: "create-azure-ai-connection",
            inputs: { apiKey: "${inputs.aliceKey}", endpoint: "${inputs.aliceEndpoint}", variable: "alice" },
          },
          {
            id: "bob-connection",
            type: "create-azure-ai-connection",
            inputs: { apiKey: "${inputs.bobKey}", endpoint: "${inputs.bobEndpoint}", variable: "bob" },
          },
          {
            id: "alice-answer",
            type: "chat-completion",
            connection: "shared-foundry",
            dynamicConnection: "${vars.alice}",
            inputs: { model: "gpt-4o", prompt: "Alice asks" },
          },
          {
            id: "bob-answer",
            type: "chat-completion",
            connection: "shared-foundry",
            dynamicConnection: "${vars.bob}",
            inputs: { prompt: "Bob asks" },
          },
        ],
        outputs: {
          alice: "${nodes.alice-answer.output.connection}",
          bob: "${nodes.bob-answer.output.connection}",
        },
      },
      {
        inputs: {
          aliceKey: KEYS.alice,
          aliceEndpoint: foundryEndpoint(server()),
          bobKey: KEYS.bob,
          bobEndpoint: `${deploymentEndpoint(server(), "bob-gpt")}?api-version=2024-06-01`,
        },
      },
    );

    expect(result.status).toBe("succeeded");
    const host = serverHost(server());
    expect(result.outputs).toEqual({
      alice: { source: "dynamic", kind: "foundry-models", host },
      bob: { source: "dynamic", kind: "azure-openai-deployment", host },
    });
    const byKey = Object.fromEntries(server().requests.map((entry) => [entry.keyName, entry]));
    expect(byKey.alice).toMatchObject({
      route: "foundry-models",
      model: "gpt-4o",
      auth: "both",
      status: 200,
    });
    expect(byKey.bob).toMatchObject({
      route: "azure-deployment",
      deployment: "bob-gpt",
      apiVersion: "2024-06-01",
      auth: "api-key",
      status: 200,
    });
    expect(server().requests).toHaveLength(2);
    expect(server().stats().maxConcurrency).toBe(2);
    expect(chatOutput(result, "alice-answer").content).toBe('Offline reply from gpt-4o: "Alice asks"');
    expect(chatOutput(result, "bob-answer").content).toBe('Offline reply from bob-gpt: "Bob asks"');
  });
});
