import { FlowError } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { classifyAzureEndpoint } from "./endpoint.js";

const KEY = "test-key-CANARY-endpoint-5b7c";

function failure(endpoint: string): FlowError {
  try {
    classifyAzureEndpoint(endpoint, { nodeId: "conn", path: "inputs.endpoint" });
  } catch (error) {
    expect(error).toBeInstanceOf(FlowError);
    return error as FlowError;
  }
  throw new Error(`expected ${endpoint} to be refused`);
}

describe("classifyAzureEndpoint", () => {
  it("classifies Foundry and deployment endpoints, keeping only the path of the URL", () => {
    expect(
      classifyAzureEndpoint("https://res.services.ai.azure.com/models/?api-version=2024-05-01-preview"),
    ).toEqual({
      kind: "foundry-models",
      url: "https://res.services.ai.azure.com/models",
      host: "res.services.ai.azure.com",
      apiVersion: "2024-05-01-preview",
    });
    expect(
      classifyAzureEndpoint(`https://res.openai.azure.com/openai/deployments/gpt-4o?api-key=${KEY}`),
    ).toEqual({
      kind: "azure-openai-deployment",
      url: "https://res.openai.azure.com/openai/deployments/gpt-4o",
      host: "res.openai.azure.com",
      deployment: "gpt-4o",
    });
  });

  it("classifies an Azure OpenAI resource URL as the portal shows it, on Azure hosts only", () => {
    for (const endpoint of [
      "https://res.openai.azure.com/",
      "https://res.openai.azure.com",
      "https://res.openai.azure.com/openai/",
    ]) {
      expect(classifyAzureEndpoint(endpoint)).toEqual({
        kind: "azure-openai-resource",
        url: "https://res.openai.azure.com",
        host: "res.openai.azure.com",
      });
    }
    expect(classifyAzureEndpoint("https://res.cognitiveservices.azure.com/?api-version=2024-06-01")).toEqual({
      kind: "azure-openai-resource",
      url: "https://res.cognitiveservices.azure.com",
      host: "res.cognitiveservices.azure.com",
      apiVersion: "2024-06-01",
    });
    expect(classifyAzureEndpoint("http://127.0.0.1:8080/").kind).toBe("azure-openai-resource");
    expect(failure("https://example.com/").message).toMatch(
      /^unrecognised Azure AI endpoint: expected .*the resource URL/,
    );
    expect(failure("https://llama.eastus2.models.ai.azure.com/").message).toMatch(
      /^this is an Azure AI serverless endpoint: use a serverless connection for it: expected /,
    );
  });

  it("refuses credentials in the URL without repeating them, even when the URL does not parse", () => {
    for (const endpoint of [
      `https://user:${KEY}@example.com:99999/models`,
      `https://user:${KEY}@res.services.ai.azure.com/models`,
      `https://${KEY}@res.services.ai.azure.com/models`,
      `https://user:ab/${KEY}@res.services.ai.azure.com/models`,
    ]) {
      const error = failure(endpoint);
      expect(error.code).toBe("connection.endpoint");
      expect(error.message).toMatch(
        /^the endpoint must not contain credentials: expected .* got "https:\/\/\*\*\*@/,
      );
      expect(error.message).not.toContain(KEY);
      expect(error.message).not.toContain(KEY.slice(0, 12));
    }
  });

  it("masks keys in the query of an endpoint it does not recognise", () => {
    for (const name of ["api-key", "api_key", "subscription-key", "code", "sig"]) {
      const error = failure(`https://example.com/v1/chat?${name}=${KEY}`);
      expect(error.message).toContain(`unrecognised Azure AI endpoint: expected `);
      expect(error.message).toContain(`got "https://example.com/v1/chat?${name}=***"`);
      expect(error.message).not.toContain(KEY.slice(0, 12));
    }
  });

  it("masks before it cuts a long endpoint short, so no part of a key is shown", () => {
    const host = `${"a".repeat(50)}.example.com`;
    const error = failure(`https://user:${KEY}@${host}/models`);
    expect(error.message).toContain(`got "https://***@${host.slice(0, 20)}`);
    expect(error.message).not.toContain(KEY.slice(0, 10));
    const query = failure(`https://${"b".repeat(55)}.example.com/x?api-key=${KEY}`);
    expect(query.message).not.toContain(KEY.slice(0, 10));
  });
});
