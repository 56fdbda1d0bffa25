import { describe, expect, it } from "vitest";
import { z } from "zod";
import { callNodeType } from "../../test-support/test-node-types.js";
import { createEngine } from "../engine.js";
import { FlowError } from "../errors/flow-error.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { SECRET_MASK, Secret } from "../secrets/secret.js";
import { type ConnectionProvider, InMemoryConnectionProvider } from "./provider.js";

const endpoint = "https://contoso.services.ai.azure.com/models";

describe("InMemoryConnectionProvider", () => {
  it("wraps an API key given as a plain string in a Secret", () => {
    const provider = new InMemoryConnectionProvider({ x: { type: "azure-ai", endpoint, apiKey: "key-123" } });
    const connection = provider.get("x");
    expect(connection?.type).toBe("azure-ai");
    if (connection?.type !== "azure-ai") return;
    expect(connection.apiKey).toBeInstanceOf(Secret);
    expect(connection.apiKey.reveal()).toBe("key-123");
    expect(JSON.stringify(connection)).not.toContain("key-123");
    expect(JSON.stringify(connection)).toContain(SECRET_MASK);
    expect(connection.endpoint).toBe(endpoint);
  });

  it("wraps every secret of a custom connection, and leaves its plain settings alone", () => {
    const provider = new InMemoryConnectionProvider(
      new Map([
        [
          "search",
          {
            type: "custom" as const,
            configs: { index: "docs" },
            secrets: { token: "token-456", other: new Secret("other-789") },
          },
        ],
      ]),
    );
    const connection = provider.get("search");
    if (connection?.type !== "custom") throw new Error("expected a custom connection");
    expect(connection.configs).toEqual({ index: "docs" });
    expect(connection.secrets.token).toBeInstanceOf(Secret);
    expect(connection.secrets.token!.reveal()).toBe("token-456");
    expect(connection.secrets.other!.reveal()).toBe("other-789");
  });

  it("keeps a Secret it is given as it is", () => {
    const apiKey = new Secret("key-123");
    const provider = new InMemoryConnectionProvider({ o: { type: "openai", apiKey, maxConcurrency: 2 } });
    expect(provider.get("o")).toEqual({ type: "openai", apiKey, maxConcurrency: 2 });
    expect((provider.get("o") as { apiKey: Secret }).apiKey).toBe(apiKey);
  });

  it("wraps plain strings given to set() too", () => {
    const provider = new InMemoryConnectionProvider();
    provider.set("late", { type: "openai", apiKey: "late-key" });
    expect((provider.get("late") as { apiKey: Secret }).apiKey.reveal()).toBe("late-key");
    expect(provider.list()).toEqual(["late"]);
  });

  it("refuses, when it is made, a connection that is not one, naming it and the field", () => {
    const make = (connection: unknown) => () =>
      new InMemoryConnectionProvider({ good: { type: "openai", apiKey: "k" }, bad: connection as never });
    expect(make({ type: "azure-ai", apiKey: "key-123" })).toThrow(
      expect.objectContaining({
        name: "FlowError",
        code: "connection.invalid",
        message: expect.stringMatching(/^invalid connection "bad": endpoint: /),
      }),
    );
    expect(make({ type: "azure-ai", endpoint, apiKey: 42 })).toThrow(/^invalid connection "bad": apiKey: /);
    expect(make({ type: "azure", endpoint, apiKey: "key-123" })).toThrow(
      'invalid connection "bad": type: expected one of azure-ai, openai, custom',
    );
    expect(make(null)).toThrow(/^invalid connection "bad": /);
  });

  it("never repeats a secret in the error", () => {
    const error = (() => {
      try {
        new InMemoryConnectionProvider({
          bad: { type: "azure-ai", endpoint: 42, apiKey: "key-SHOULD-NOT-LEAK" } as never,
        });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(FlowError);
    expect(String((error as Error).message)).not.toContain("key-SHOULD-NOT-LEAK");
  });
});

describe("connections from an app's own provider", () => {
  const engineWith = (provider: ConnectionProvider) =>
    createEngine({ nodeTypes: [callNodeType], connections: provider });
  const flow = { nodes: [{ id: "use", type: "call", connection: "mine" }] };

  it("wraps a plain-string key an app's provider hands out, and scrubs it from the run", async () => {
    const provider: ConnectionProvider = {
      get: () => ({ type: "openai", apiKey: "plain-key-SHOULD-NOT-LEAK" }) as never,
    };
    const seen: Secret[] = [];
    const useKey = defineNodeType({
      type: "use-key",
      description: "Echoes the key it was given, as a careless node might.",
      input: z.object({}),
      usesConnection: true,
      async run(_input, context) {
        const { connection } = await context.resolveConnection();
        if (connection.type !== "openai") throw new Error("expected an openai connection");
        seen.push(connection.apiKey);
        return { echoed: connection.apiKey.reveal() };
      },
    });
    const engine = createEngine({ nodeTypes: [useKey], connections: provider });
    const result = await engine.run({ nodes: [{ id: "use", type: "use-key", connection: "mine" }] });
    expect(result.status).toBe("succeeded");
    expect(seen[0]).toBeInstanceOf(Secret);
    expect(JSON.stringify(result)).not.toContain("plain-key-SHOULD-NOT-LEAK");
  });

  it("fails the node with a clear message when the provider hands out something that is not a connection", async () => {
    const result = await engineWith({ get: () => ({ type: "azure-ai", apiKey: "k" }) as never }).run(flow);
    expect(result.nodes.use?.error).toEqual({
      code: "connection.invalid",
      message: expect.stringMatching(/^invalid connection "mine": endpoint: /),
      nodeId: "use",
    });
  });
});
