import { FlowError, Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { KEYS, useLlmServer } from "../../../test-support/offline-engine.js";
import { parseServerlessEndpoint } from "./endpoint.js";
import { serverlessConnectionKind } from "./serverless.js";
import { testServerlessConnection } from "./test-connection.js";

const server = useLlmServer();
const KEY = "test-key-CANARY-serverless-3f9a";

function refusal(endpoint: string): FlowError {
  try {
    parseServerlessEndpoint(endpoint);
  } catch (error) {
    expect(error).toBeInstanceOf(FlowError);
    return error as FlowError;
  }
  throw new Error(`expected ${endpoint} to be refused`);
}

describe("parseServerlessEndpoint", () => {
  it("keeps the endpoint's root, dropping a pasted /chat/completions and the query", () => {
    expect(parseServerlessEndpoint("https://llama-3.eastus2.models.ai.azure.com/")).toEqual({
      url: "https://llama-3.eastus2.models.ai.azure.com",
      host: "llama-3.eastus2.models.ai.azure.com",
      insecure: false,
    });
    expect(
      parseServerlessEndpoint(
        "https://m.eastus2.models.ai.azure.com/chat/completions?api-version=2024-05-01-preview",
      ),
    ).toEqual({
      url: "https://m.eastus2.models.ai.azure.com",
      host: "m.eastus2.models.ai.azure.com",
      insecure: false,
      apiVersion: "2024-05-01-preview",
    });
    expect(parseServerlessEndpoint("http://127.0.0.1:8080")).toMatchObject({ insecure: true });
  });

  it("refuses other shapes, saying what is expected, never repeating a key", () => {
    expect(refusal("http://example.com").message).toBe(
      'plain http:// is only allowed for local servers; use https://: expected https://<name>.<region>.models.ai.azure.com, got "http://example.com"',
    );
    expect(refusal("https://r.services.ai.azure.com/models").message).toContain("use an azure-ai connection");
    expect(refusal("https://r.openai.azure.com/openai/deployments/d").message).toContain(
      "use an azure-ai connection",
    );
    const credentials = refusal(`https://user:${KEY}@m.eastus2.models.ai.azure.com`);
    expect(credentials.message).toContain("must not contain credentials");
    expect(credentials.message).not.toContain(KEY);
    expect(
      serverlessConnectionKind.checkField?.("endpoint", `https://m.models.ai.azure.com/?api-key=${KEY}`),
    ).toBe("expected a URL without a key in its query (?api-key=…); keys belong in apiKey");
  });
});

describe("testServerlessConnection", () => {
  const connection = (apiKey: string, endpoint = server().url) => ({
    type: "serverless",
    endpoint,
    apiKey: new Secret(apiKey),
  });

  it("reports ok with the model the endpoint serves, from GET /info", async () => {
    const result = await testServerlessConnection(connection(KEYS.shared));
    expect(result).toEqual({
      outcome: "ok",
      kind: "serverless",
      host: new URL(server().url).host,
      model: "offline-model",
    });
    expect(server().requests).toMatchObject([
      {
        method: "GET",
        path: "/info",
        route: "serverless-info",
        keyName: "shared",
        apiVersion: "2024-05-01-preview",
      },
    ]);
  });

  it("reports a wrong key as auth-failed, without the key", async () => {
    const result = await testServerlessConnection(connection(KEY));
    expect(result).toMatchObject({ outcome: "auth-failed", kind: "serverless", status: 401 });
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it("reports a closed port as unreachable", async () => {
    const result = await testServerlessConnection(connection(KEYS.shared, "http://127.0.0.1:9"), {
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ outcome: "unreachable", kind: "serverless" });
    expect(result.message).toMatch(/^cannot reach 127\.0\.0\.1:9/);
  });
});
