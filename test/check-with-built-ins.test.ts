import { connectionSchema, Secret } from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes, defineCreateConnection } from "@weft/nodes";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectSameAsZod, valuesFor } from "../packages/engine/test-support/schema-values.js";

/** A zod schema (the test package does not depend on zod itself). */
type Schema = Parameters<typeof expectSameAsZod>[0];

/** Strings the built-in schemas want: endpoints of each service, model and index names, enum words. */
const HINTS = {
  strings: [
    "https://contoso.services.ai.azure.com/models",
    "https://contoso.openai.azure.com/openai/deployments/gpt-4o-mini",
    "https://contoso.cognitiveservices.azure.com/",
    "https://contoso.search.windows.net",
    "https://contoso-serverless.eastus2.models.ai.azure.com",
    "https://api.openai.com/v1",
    "http://127.0.0.1:8080/v1",
    "https://serpapi.com",
    "https://user:pass@contoso.services.ai.azure.com/models",
    "ftp://x",
    "gpt-4o-mini",
    "2024-10-21",
    "my-index",
    "contentVector",
    "title,content",
    "*",
    "Hello",
  ],
};

/** Every schema a run checks with `checkWith`: node types' inputs and outputs, kinds' connections. */
function builtInSchemas(): Array<[string, Schema]> {
  const createConnection = defineCreateConnection(builtinConnectionKinds);
  const nodeTypes = [
    ...builtinNodeTypes.filter((nodeType) => nodeType.type !== "create-connection"),
    createConnection,
  ];
  return [
    ...nodeTypes.flatMap(
      (nodeType): Array<[string, Schema]> => [
        [`${nodeType.type} input`, nodeType.input],
        ...(nodeType.output ? [[`${nodeType.type} output`, nodeType.output] as [string, Schema]] : []),
      ],
    ),
    ...builtinConnectionKinds.map((kind): [string, Schema] => [
      `${kind.type} connection`,
      connectionSchema(kind) as unknown as Schema,
    ]),
  ];
}

/** Values each valid for its schema, so that every schema's fast path is taken at least once. */
const VALID: Record<string, unknown[]> = {
  "declare-variable input": [
    { name: "endpoint", value: { nested: [1] } },
    { name: "n", value: 1, type: "number" },
  ],
  "create-azure-ai-connection input": [
    { apiKey: new Secret("key"), endpoint: HINTS.strings[0], variable: "conn" },
    {
      apiKey: "key",
      endpoint: HINTS.strings[1],
      variable: "conn",
      apiVersion: "2024-10-21",
      maxConcurrency: 2,
    },
  ],
  "azure-ai connection": [
    { type: "azure-ai", endpoint: HINTS.strings[0], apiKey: new Secret("key"), apiVersion: "x", extra: 1 },
  ],
  "chat-completion input": [
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }], temperature: 0.5, stop: ["a"] },
    { prompt: "Hello", stream: true, responseFormat: "json" },
  ],
  "web-search input": [{ query: "weft" }, { query: "weft", engine: "bing", safe: "active" }],
  "index-lookup input": [{ index: "my-index", query: "*", top: 5, select: "title,content" }],
  "content-safety-text output": [
    {
      suggestedAction: "Accept",
      actionByCategory: { Hate: "Accept", SelfHarm: "Accept", Sexual: "Accept", Violence: "Reject" },
      categories: [{ category: "Hate", severity: 0 }],
      blocklistMatches: [],
      connection: { source: "static", host: "contoso.cognitiveservices.azure.com" },
    },
  ],
};

describe("checkWith on every built-in schema", () => {
  for (const [name, schema] of builtInSchemas()) {
    it(`answers as zod does: ${name}`, () => {
      for (const value of VALID[name] ?? [])
        expect(expectSameAsZod(schema, value), JSON.stringify(value)).toBe(true);
      let valid = 0;
      fc.assert(
        fc.property(valuesFor(schema, HINTS), (value) => {
          if (expectSameAsZod(schema, value)) valid += 1;
        }),
        { numRuns: 300, seed: 20_260_201 },
      );
      expect(valid + (VALID[name]?.length ?? 0), "valid values reached the fast path").toBeGreaterThan(0);
    });
  }
});
