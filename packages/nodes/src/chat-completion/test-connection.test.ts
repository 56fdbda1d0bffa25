import { Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { foundryEndpoint, KEYS, useLlmServer } from "../../test-support/offline-engine.js";
import { testConnection } from "./test-connection.js";

const server = useLlmServer();

describe("testConnection", () => {
  it("reports ok with the model that answered", async () => {
    const result = await testConnection({
      type: "azure-ai",
      endpoint: foundryEndpoint(server()),
      apiKey: new Secret(KEYS.shared),
    });
    expect(result).toMatchObject({ outcome: "ok", kind: "foundry-models", model: "gpt-4o-mini" });
  });

  it("masks the key when the service quotes it in its refusal", async () => {
    server().addRule({
      fault: {
        type: "status",
        status: 401,
        code: "invalid_api_key",
        message: `Incorrect API key provided: ${KEYS.shared}.`,
      },
    });
    const result = await testConnection({
      type: "azure-ai",
      endpoint: foundryEndpoint(server()),
      apiKey: new Secret(KEYS.shared),
    });
    expect(result).toMatchObject({ outcome: "auth-failed", status: 401 });
    expect(result.message).toContain("Incorrect API key provided: ***.");
    expect(JSON.stringify(result)).not.toContain(KEYS.shared);
  });

  it("reports a service that never answers as unreachable, not as an internal error", async () => {
    server().addRule({ fault: { type: "hang" } });
    const result = await testConnection(
      { type: "azure-ai", endpoint: foundryEndpoint(server()), apiKey: new Secret(KEYS.shared) },
      { timeoutMs: 200 },
    );
    expect(result).toMatchObject({ outcome: "unreachable", kind: "foundry-models" });
    expect(result.message).toMatch(/did not answer within 200 ms/);
  });
});
