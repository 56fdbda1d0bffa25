import { describe, expect, it } from "vitest";
import { z } from "zod";
import { endpointKind, settingsKind, testConnectionKinds } from "../../test-support/test-connection-kinds.js";
import { FlowError } from "../errors/flow-error.js";
import { Secret } from "../secrets/secret.js";
import { ConnectionKinds } from "./connection-kinds.js";
import { defineConnectionKind, secretField } from "./define-connection-kind.js";

const kinds = new ConnectionKinds(testConnectionKinds);
const ENDPOINT = "https://customer.example.com/models";
/** What an app's provider gives: plain strings in secret fields are wrapped. */
const wrapped = (value: unknown) => kinds.parse(value, { wrapSecrets: true });

describe("ConnectionKinds", () => {
  it("derives each kind's fields and secret fields from the schema's marks", () => {
    expect(kinds.types()).toEqual(["openai", "azure-ai", "custom"]);
    expect(kinds.fields("azure-ai")).toEqual([
      { name: "endpoint", record: false, optional: false },
      { name: "apiKey", record: false, optional: false, secret: "value" },
      {
        name: "maxConcurrency",
        record: false,
        optional: true,
        number: true,
        description: expect.stringContaining("Requests in flight"),
      },
      expect.objectContaining({ name: "requestsPerMinute", optional: true, number: true }),
      expect.objectContaining({ name: "tokensPerMinute", optional: true, number: true }),
    ]);
    expect(kinds.fields("custom")).toEqual([
      { name: "configs", record: true, optional: false },
      { name: "secrets", record: true, optional: false, secret: "entries" },
      expect.objectContaining({ name: "maxConcurrency", number: true }),
      expect.objectContaining({ name: "requestsPerMinute", number: true }),
      expect.objectContaining({ name: "tokensPerMinute", number: true }),
    ]);
    expect(kinds.fields("serp")).toBeUndefined();
  });

  it("wraps plain strings given for secret fields, and finds every secret", () => {
    const connection = wrapped({
      type: "azure-ai",
      endpoint: ENDPOINT,
      apiKey: "key-1",
      maxConcurrency: 2,
    });
    expect(connection.apiKey).toBeInstanceOf(Secret);
    expect(JSON.stringify(connection)).not.toContain("key-1");
    expect(kinds.secrets(connection).map((secret) => secret.reveal())).toEqual(["key-1"]);

    const custom = wrapped({
      type: "custom",
      configs: { index: "docs" },
      secrets: { a: "s-1", b: new Secret("s-2") },
    });
    expect(kinds.secrets(custom).map((secret) => secret.reveal())).toEqual(["s-1", "s-2"]);
  });

  it("says what is wrong with a value that is no connection, without quoting a key", () => {
    const problem = (value: unknown) => {
      try {
        kinds.parse(value, { nodeId: "n", subject: "dynamicConnection ${vars.c} is not a connection" });
      } catch (error) {
        expect(error).toBeInstanceOf(FlowError);
        expect((error as FlowError).code).toBe("connection.invalid");
        expect((error as FlowError).nodeId).toBe("n");
        return (error as FlowError).message;
      }
      throw new Error("expected the value to be refused");
    };
    expect(problem("hello")).toBe(
      'dynamicConnection ${vars.c} is not a connection: expected a connection ("openai", "azure-ai", "custom"), got "hello"',
    );
    expect(problem({ type: "serp", apiKey: "key-SECRET" })).toBe(
      'dynamicConnection ${vars.c} is not a connection: expected a connection ("openai", "azure-ai", "custom"), got type "serp"',
    );
    const missing = problem({ type: "azure-ai", apiKey: "key-SECRET" });
    expect(missing).toMatch(
      /^dynamicConnection \$\{vars\.c\} is not a connection: expected a connection \("openai", "azure-ai", "custom"\), got an object that is not a valid azure-ai connection \(endpoint: /,
    );
    expect(missing).not.toContain("key-SECRET");
    expect(kinds.isConnection({ type: "openai", apiKey: 42 })).toBe(false);
    // Built in a flow, a key must come as a Secret: one written into the flow as text is refused.
    const plain = problem({ type: "azure-ai", endpoint: ENDPOINT, apiKey: "key-SECRET" });
    expect(plain).toMatch(/got an object that is not a valid azure-ai connection \(apiKey: /);
    expect(plain).not.toContain("key-SECRET");
  });

  it("tells connections apart by kind, identity and every secret, never holding a key in clear", () => {
    const connection = (apiKey: string, endpoint = ENDPOINT) =>
      wrapped({ type: "azure-ai", endpoint, apiKey });
    const alice = kinds.identityKey(connection("alice-key"));
    expect(kinds.identityKey(connection("alice-key"))).toBe(alice);
    expect(kinds.identityKey(connection("bob-key"))).not.toBe(alice);
    expect(kinds.identityKey(connection("alice-key", "https://other.example.com/models"))).not.toBe(alice);
    expect(alice).not.toContain("alice-key");
    const custom = (secret: string) =>
      kinds.identityKey(wrapped({ type: "custom", configs: {}, secrets: { token: secret } }));
    expect(custom("one")).not.toBe(custom("two"));
  });

  it("labels connections by their kind", () => {
    expect(kinds.label(wrapped({ type: "azure-ai", endpoint: ENDPOINT, apiKey: "k" }))).toBe(
      "customer.example.com",
    );
    expect(kinds.label(kinds.parse({ type: "custom", configs: {}, secrets: {} }))).toBe("custom");
  });

  it("refuses a kind registered twice", () => {
    expect(() => new ConnectionKinds([endpointKind, settingsKind, endpointKind])).toThrow(
      'connection kind "azure-ai" is registered twice',
    );
  });

  it("works the same for a kind nobody built in", () => {
    const search = defineConnectionKind({
      type: "search",
      description: "A search service.",
      fields: z.object({ index: z.string(), queryKey: secretField(), adminKey: secretField().optional() }),
      label: (connection) => connection.index,
      identity: (connection) => [connection.index],
    });
    const registry = new ConnectionKinds([search]);
    const connection = registry.parse(
      {
        type: "search",
        index: "docs",
        queryKey: "q",
        adminKey: "a",
        extra: 1,
      },
      { wrapSecrets: true },
    );
    expect(registry.secrets(connection).map((secret) => secret.reveal())).toEqual(["q", "a"]);
    expect(registry.label(connection)).toBe("docs");
    expect(connection).not.toHaveProperty("extra");
  });
});
