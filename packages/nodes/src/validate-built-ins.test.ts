import { createEngine, type FlowDefinition, type FlowNode } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { ACCEPTED_ENDPOINT_SHAPES } from "./connection-kinds/azure-ai/endpoint.js";
import { builtinNodeTypes } from "./index.js";

/**
 * What validation knows about the built-in node types before anything runs: the fields of their
 * outputs, and the literal inputs it can check.
 */

const engine = createEngine({ nodeTypes: builtinNodeTypes });

/** A customer's connection, a question, and whatever nodes and outputs a test adds. */
function flowWith(nodes: FlowNode[], outputs: Record<string, unknown> = {}): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
    nodes: [
      { id: "endpoint", type: "declare-variable", inputs: { name: "endpoint", value: "${inputs.endpoint}" } },
      {
        id: "connect",
        type: "create-azure-ai-connection",
        inputs: { apiKey: "${inputs.key}", endpoint: "${vars.endpoint}", variable: "conn" },
      },
      {
        id: "answer",
        type: "chat-completion",
        connection: "shared",
        dynamicConnection: "${vars.conn}",
        inputs: { model: "gpt-4o-mini", prompt: "Hello?" },
      },
      ...nodes,
    ],
    outputs,
  };
}

describe("validation: paths into the outputs of built-in nodes", () => {
  it("refuses a misspelt field of a chat answer, suggesting the right one", () => {
    const issues = engine.validate(flowWith([], { answer: "${nodes.answer.output.contnet}" }));
    expect(issues).toEqual([
      {
        code: "flow.unknown-output-field",
        message: expect.stringContaining('"contnet" (did you mean "content"?)'),
        path: "outputs.answer",
      },
    ]);
    expect(issues[0]!.message).toContain("expected one of content, finishReason, model, usage, connection");
  });

  it("refuses a misspelt field deeper down, inside interpolated text", () => {
    const issues = engine.validate(
      flowWith([
        {
          id: "report",
          type: "declare-variable",
          inputs: { name: "report", value: "Tokens: ${nodes.answer.output.usage.totalTokenz}" },
        },
      ]),
    );
    expect(issues).toEqual([
      {
        code: "flow.unknown-output-field",
        message: expect.stringContaining('"totalTokenz" (did you mean "totalTokens"?)'),
        path: "nodes[3].inputs.value",
        nodeId: "report",
      },
    ]);
  });

  it("refuses a misspelt field of a connection a node built", () => {
    const issues = engine.validate(flowWith([], { host: "${nodes.connect.output.endpoitn}" }));
    expect(issues).toMatchObject([
      { code: "flow.unknown-output-field", message: expect.stringContaining('(did you mean "endpoint"?)') },
    ]);
  });

  it("accepts every field the built-in outputs have, and any path into a declared variable", () => {
    const issues = engine.validate(
      flowWith(
        [
          {
            id: "summary",
            type: "declare-variable",
            inputs: {
              name: "summary",
              value: {
                text: "${nodes.answer.output.content}",
                why: "${nodes.answer.output.finishReason}",
                model: "${nodes.answer.output.model}",
                tokens: "Used ${nodes.answer.output.usage.totalTokens} tokens",
                prompt: "${nodes.answer.output.usage.promptTokens}",
                via: "${nodes.answer.output.connection.source} ${nodes.answer.output.connection.host}",
                kind: "${nodes.answer.output.connection.kind}",
                name: "${nodes.answer.output.connection.name}",
                endpoint: "${nodes.connect.output.endpoint}",
              },
            },
          },
        ],
        {
          whole: "${nodes.answer.output}",
          deep: "${nodes.endpoint.output.any.path.at.all}",
          summary: "${nodes.summary.output.tokens}",
        },
      ),
    );
    expect(issues).toEqual([]);
  });
});

describe("validation: literal inputs of built-in nodes", () => {
  it("refuses a literal endpoint that can never work, showing the accepted shapes", () => {
    const issues = engine.validate({
      inputs: { key: { type: "secret" } },
      nodes: [
        {
          id: "connect",
          type: "create-azure-ai-connection",
          inputs: { apiKey: "${inputs.key}", endpoint: "ftp://example.com/x", variable: "conn" },
        },
      ],
    });
    expect(issues).toEqual([
      {
        code: "flow.invalid-input",
        message: `invalid input for create-azure-ai-connection: unsupported protocol ftp:: expected ${ACCEPTED_ENDPOINT_SHAPES}, got "ftp://example.com/x"`,
        path: "nodes[0].inputs.endpoint",
        nodeId: "connect",
      },
    ]);
  });

  it("refuses a literal endpoint with credentials without repeating them", () => {
    const issues = engine.validate({
      nodes: [
        {
          id: "connect",
          type: "create-azure-ai-connection",
          inputs: {
            apiKey: "k",
            endpoint: "https://user:hunter2-password@contoso.services.ai.azure.com/models",
            variable: "conn",
          },
        },
      ],
    });
    expect(issues).toMatchObject([
      {
        code: "flow.invalid-input",
        path: "nodes[0].inputs.endpoint",
        message: expect.stringContaining("***@"),
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain("hunter2-password");
  });

  it("accepts literal endpoints of both shapes, and leaves references to the run", () => {
    for (const endpoint of [
      "https://contoso.services.ai.azure.com/models",
      "https://contoso.openai.azure.com/openai/deployments/gpt-4o?api-version=2024-10-21",
      "http://127.0.0.1:8080/models",
      "${inputs.endpoint}",
    ]) {
      const issues = engine.validate({
        inputs: { endpoint: { type: "string" } },
        nodes: [
          {
            id: "connect",
            type: "create-azure-ai-connection",
            inputs: { apiKey: "k", endpoint, variable: "conn" },
          },
        ],
      });
      expect(issues, endpoint).toEqual([]);
    }
  });
});
