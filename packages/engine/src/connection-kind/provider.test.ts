import { describe, expect, it } from "vitest";
import { z } from "zod";
import { testConnectionKinds } from "../../test-support/test-connection-kinds.js";
import { callNodeType } from "../../test-support/test-node-types.js";
import { createEngine } from "../engine.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";
import { type ConnectionProvider, InMemoryConnectionProvider } from "./provider.js";

const endpoint = "https://contoso.services.ai.azure.com/models";

/** Echoes the key it was given, as a careless node might. */
const useKey = (seen: Secret[]) =>
  defineNodeType({
    type: "use-key",
    description: "Echoes the key it was given, as a careless node might.",
    input: z.object({}),
    usesConnection: true,
    connectionKinds: testConnectionKinds,
    async run(_input, context) {
      const { connection } = await context.connection();
      const apiKey = connection.apiKey as Secret;
      seen.push(apiKey);
      return { echoed: apiKey.reveal() };
    },
  });

describe("InMemoryConnectionProvider", () => {
  it("accepts secret fields as plain strings; the engine wraps them in Secrets and scrubs them", async () => {
    const provider = new InMemoryConnectionProvider({
      x: { type: "azure-ai", endpoint, apiKey: "plain-key-SHOULD-NOT-LEAK" },
    });
    const seen: Secret[] = [];
    const engine = createEngine({ nodeTypes: [useKey(seen)], connections: provider });
    const result = await engine.run({ nodes: [{ id: "use", type: "use-key", connection: "x" }] });
    expect(result.status).toBe("succeeded");
    expect(seen[0]).toBeInstanceOf(Secret);
    expect(seen[0]?.reveal()).toBe("plain-key-SHOULD-NOT-LEAK");
    expect(JSON.stringify(result)).not.toContain("plain-key-SHOULD-NOT-LEAK");
  });

  it("keeps a Secret it is given as it is, and lists and replaces connections by name", () => {
    const apiKey = new Secret("key-123");
    const provider = new InMemoryConnectionProvider({ o: { type: "openai", apiKey, maxConcurrency: 2 } });
    expect(provider.get("o")).toEqual({ type: "openai", apiKey, maxConcurrency: 2 });
    provider.set("late", { type: "openai", apiKey: "late-key" });
    expect(provider.list()).toEqual(["o", "late"]);
  });
});

describe("connections from an app's own provider", () => {
  const flow = { nodes: [{ id: "use", type: "call", connection: "mine" }] };

  it("wraps a plain-string key an app's provider hands out, and scrubs it from the run", async () => {
    const provider: ConnectionProvider = {
      get: () => ({ type: "openai", apiKey: "plain-key-SHOULD-NOT-LEAK" }) as never,
    };
    const seen: Secret[] = [];
    const engine = createEngine({ nodeTypes: [useKey(seen)], connections: provider });
    const result = await engine.run({ nodes: [{ id: "use", type: "use-key", connection: "mine" }] });
    expect(result.status).toBe("succeeded");
    expect(seen[0]).toBeInstanceOf(Secret);
    expect(JSON.stringify(result)).not.toContain("plain-key-SHOULD-NOT-LEAK");
  });

  it("fails the node with a clear message, never quoting a key, when the provider hands out something that is not a connection", async () => {
    const engine = createEngine({
      nodeTypes: [callNodeType],
      connectionKinds: testConnectionKinds,
      connections: { get: () => ({ type: "azure-ai", apiKey: "key-SHOULD-NOT-LEAK" }) as never },
    });
    const result = await engine.run(flow);
    expect(result.nodes.use?.error).toMatchObject({ code: "connection.invalid", nodeId: "use" });
    expect(result.nodes.use?.error?.message).toMatch(/connection "mine"/);
    expect(result.nodes.use?.error?.message).toMatch(/endpoint/);
    expect(JSON.stringify(result)).not.toContain("key-SHOULD-NOT-LEAK");
  });
});

describe("a provider that answers at once, with a promise or with another thenable", () => {
  const key = "provider-key-SHOULD-NOT-LEAK";
  const connection = { type: "openai", apiKey: new Secret(key) } as const;
  const providers: Array<[string, ConnectionProvider]> = [
    ["a value", { get: () => connection }],
    ["a promise", { get: async () => connection }],
    // Not a `Promise`: taken as `await` would take it.
    [
      "a thenable",
      {
        // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise, on purpose
        get: () => ({ then: (resolve: (value: unknown) => void) => resolve(connection) }) as never,
      },
    ],
  ];

  it.each(providers)(
    "gives the node its connection from %s, and scrubs its key from every run",
    async (_, provider) => {
      const seen: Secret[] = [];
      const engine = createEngine({ nodeTypes: [useKey(seen)], connections: provider });
      const flow = { nodes: [{ id: "use", type: "use-key", connection: "mine" }] };
      // The second run finds the connection (and its secrets) already checked.
      for (const result of [await engine.run(flow), await engine.run(flow)]) {
        expect(result.status).toBe("succeeded");
        expect(result.nodes.use?.output).toEqual({ echoed: "***" });
        expect(JSON.stringify(result)).not.toContain(key);
      }
      expect(seen.map((secret) => secret.reveal())).toEqual([key, key]);
    },
  );

  it("fails the node with connection.unknown, listing the names it has, whether it answers at once or not", async () => {
    for (const provider of [
      { get: () => undefined, list: () => ["theirs"] },
      { get: async () => undefined, list: async () => ["theirs"] },
    ] satisfies ConnectionProvider[]) {
      const engine = createEngine({ nodeTypes: [useKey([])], connections: provider });
      const result = await engine.run({ nodes: [{ id: "use", type: "use-key", connection: "mine" }] });
      expect(result.nodes.use?.error).toMatchObject({ code: "connection.unknown", nodeId: "use" });
      expect(result.nodes.use?.error?.message).toMatch(/theirs/);
    }
  });

  it("fails the node, not the engine, when the provider throws at once", async () => {
    const engine = createEngine({
      nodeTypes: [useKey([])],
      connections: {
        get: () => {
          throw new Error("the vault is sealed");
        },
      },
    });
    const result = await engine.run({ nodes: [{ id: "use", type: "use-key", connection: "mine" }] });
    expect(result.status).toBe("failed");
    expect(result.nodes.use?.error?.message).toMatch(/the vault is sealed/);
  });
});
