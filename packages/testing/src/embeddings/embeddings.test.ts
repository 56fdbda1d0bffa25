import { isUnexpected } from "@azure-rest/ai-inference";
import { APIUserAbortError, AzureOpenAI } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  azureV1Client,
  modelClient,
  openaiClient,
  testKey,
  waitUntil,
} from "../../test-support/sdk-clients.js";
import { fingerprintKey } from "../auth.js";
import { startLlmServer } from "../server.js";
import type { LlmServer } from "../types.js";
import { DEFAULT_EMBEDDING_DIMENSIONS, offlineEmbedding } from "./vectors.js";

let server: LlmServer;
beforeEach(async () => {
  server = await startLlmServer({ keys: { team: testKey } });
});
afterEach(async () => {
  await server.close();
});

/** `AzureOpenAI` on the resource URL: the deployment comes from `model`. */
function azureResourceClient(apiKey = testKey): AzureOpenAI {
  return new AzureOpenAI({
    endpoint: server.url,
    apiKey,
    apiVersion: "2024-10-21",
    maxRetries: 0,
  });
}

function length(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

describe("offlineEmbedding", () => {
  it("derives a unit vector of 32-bit floats from the text alone", () => {
    const vector = offlineEmbedding("hello");
    expect(vector).toHaveLength(DEFAULT_EMBEDDING_DIMENSIONS);
    expect(length(vector)).toBeCloseTo(1, 5);
    expect(vector.every((value) => Math.fround(value) === value)).toBe(true);
    expect(offlineEmbedding("hello")).toEqual(vector);
    expect(offlineEmbedding("hello!")).not.toEqual(vector);
    const long = offlineEmbedding("hello", 1536);
    expect(long).toHaveLength(1536);
    expect(length(long)).toBeCloseTo(1, 5);
  });
});

describe("embeddings through the real SDKs", () => {
  it("answers OpenAI on /v1 in base64, which the SDK asks for and decodes", async () => {
    const { data, request_id } = await openaiClient(server)
      .embeddings.create({ model: "text-embedding-3-small", input: ["hello", "world"] })
      .withResponse();

    expect(data.data.map((item) => item.embedding)).toEqual([
      offlineEmbedding("hello"),
      offlineEmbedding("world"),
    ]);
    expect(data.model).toBe("text-embedding-3-small");
    expect(data.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    expect(request_id).toBe("offline-req-1");
    expect(server.requests).toMatchObject([
      {
        method: "POST",
        path: "/v1/embeddings",
        route: "openai-v1-embeddings",
        model: "text-embedding-3-small",
        inputs: 2,
        keyName: "team",
        keyFingerprint: fingerprintKey(testKey),
        auth: "bearer",
        status: 200,
      },
    ]);
  });

  it("sends floats when asked, and honours dimensions", async () => {
    const response = await azureV1Client(server).embeddings.create({
      model: "emb",
      input: "one two three",
      dimensions: 3,
      encoding_format: "float",
    });
    expect(response.data[0]?.embedding).toEqual(offlineEmbedding("one two three", 3));
    expect(response.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(server.requests[0]).toMatchObject({ route: "azure-openai-v1-embeddings", inputs: 1 });
  });

  it("answers AzureOpenAI on a resource URL, the deployment taken from model", async () => {
    const response = await azureResourceClient().embeddings.create({ model: "my-emb", input: "hi" });
    expect(response.data[0]?.embedding).toEqual(offlineEmbedding("hi"));
    expect(server.requests).toMatchObject([
      {
        path: "/openai/deployments/my-emb/embeddings",
        route: "azure-deployment-embeddings",
        deployment: "my-emb",
        apiVersion: "2024-10-21",
        auth: "api-key",
      },
    ]);
  });

  it("answers ModelClient on /models and on a serverless endpoint's root", async () => {
    const foundry = await modelClient(server)
      .path("/embeddings")
      .post({ body: { model: "cohere-embed", input: ["a b"], dimensions: 4 } });
    expect(foundry.status).toBe("200");
    if (isUnexpected(foundry)) throw new Error("unexpected");
    expect(foundry.body.data[0]?.embedding).toEqual(offlineEmbedding("a b", 4));

    const serverless = await modelClient(server, testKey, "")
      .path("/embeddings")
      .post({ body: { input: ["x"] } });
    expect(serverless.status).toBe("200");
    expect((serverless.body as { model: string }).model).toBe("offline-model");
    expect(server.requests).toMatchObject([
      { path: "/models/embeddings", route: "foundry-models-embeddings", auth: "both" },
      { path: "/embeddings", route: "serverless-embeddings", apiVersion: "2024-05-01-preview" },
    ]);
  });

  it("answers a serverless endpoint's chat completions and info at the root", async () => {
    const client = modelClient(server, testKey, "");
    const chat = await client
      .path("/chat/completions")
      .post({ body: { messages: [{ role: "user", content: "Hi" }] } });
    expect(chat.status).toBe("200");
    expect((chat.body as { model: string }).model).toBe("offline-model");
    const info = await client.path("/info").get();
    expect(info.status).toBe("200");
    expect(server.requests.map((entry) => entry.route)).toEqual(["serverless", "serverless-info"]);
  });

  it("refuses a wrong key, a missing model and an empty input as the services do", async () => {
    await expect(
      openaiClient(server, "wrong-key").embeddings.create({ model: "m", input: "x" }),
    ).rejects.toMatchObject({ status: 401 });
    await expect(openaiClient(server).embeddings.create({ model: "", input: "x" })).rejects.toMatchObject({
      status: 400,
      param: "model",
    });
    await expect(openaiClient(server).embeddings.create({ model: "m", input: [] })).rejects.toMatchObject({
      status: 400,
      param: "input",
    });
    await expect(
      openaiClient(server).embeddings.create({ model: "m", input: "x", dimensions: 0 }),
    ).rejects.toMatchObject({ status: 400, param: "dimensions" });
    const noVersion = await fetch(`${server.url}/openai/deployments/d/embeddings`, {
      method: "POST",
      headers: { "api-key": testKey, "content-type": "application/json" },
      body: JSON.stringify({ input: "x" }),
    });
    expect(noVersion.status).toBe(404);
  });
});

describe("embeddings rules", () => {
  it("scripts vectors, leaves chat replies to chat and faults to both", async () => {
    server.addRule({ reply: "chat only" });
    server.addRule({ match: { input: /urgent/ }, embeddings: [[1, 0]] });
    server.addRule({ embeddings: (request) => request.input.map(() => [0.25, 0.5]) });
    const client = openaiClient(server);
    const urgent = await client.embeddings.create({ model: "m", input: "urgent thing" });
    expect(urgent.data[0]?.embedding).toEqual([1, 0]);
    const other = await client.embeddings.create({ model: "m", input: ["a", "b"] });
    expect(other.data.map((item) => item.embedding)).toEqual([
      [0.25, 0.5],
      [0.25, 0.5],
    ]);
    const chat = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(chat.choices[0]?.message.content).toBe("chat only");
  });

  it("injects status faults with retry hints, in each service's error shape", async () => {
    server.addRule({ fault: { type: "status", status: 429, retryAfterMs: 20 }, times: 1 });
    server.addRule({ match: { operation: "chat" }, fault: { type: "status", status: 500 } });
    const error = await openaiClient(server)
      .embeddings.create({ model: "m", input: "x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect((error as { headers: Headers }).headers.get("retry-after-ms")).toBe("20");

    server.addRule({ fault: { type: "status", status: 503 }, times: 1 });
    // The chat-only 500 rule comes first but does not apply to embeddings.
    const azure = await modelClient(server)
      .path("/embeddings")
      .post({ body: { model: "m", input: ["x"] } });
    expect(azure.status).toBe("503");
    expect(azure.body).toEqual({ error: expect.objectContaining({ code: "ServiceUnavailable" }) });
  });

  it("cuts, drops, breaks and bloats bodies", async () => {
    const client = openaiClient(server);
    const ask = () =>
      client.embeddings.create({ model: "m", input: "x", encoding_format: "float" }).then(
        () => "answered",
        (error: unknown) => (error as Error).constructor.name,
      );
    server.addRule({ fault: { type: "malformed-json" }, times: 1 });
    expect(await ask()).toBe("SyntaxError");
    server.addRule({ fault: { type: "drop" }, times: 1 });
    expect(await ask()).toBe("APIConnectionError");
    server.addRule({ fault: { type: "stream-cut", afterChunks: 1 }, times: 1 });
    expect(await ask()).not.toBe("answered");
    server.addRule({ fault: { type: "stream-error", afterChunks: 0, message: "boom" }, times: 1 });
    expect(await ask()).toBe("InternalServerError");
    server.addRule({ fault: { type: "raw-body", body: "null", contentType: "application/json" }, times: 1 });
    expect(await client.embeddings.create({ model: "m", input: "x", encoding_format: "float" })).toBeNull();
    server.addRule({ fault: { type: "huge-body", bytes: 200_000 }, times: 1 });
    const huge = await client.embeddings.create({ model: "m", input: "x" });
    expect(huge.data[0]?.embedding).toEqual([0.5]);
    expect(huge.model.length).toBeGreaterThan(199_000);
    expect(server.requests.map((entry) => entry.fault)).toEqual([
      "malformed-json",
      "drop",
      "stream-cut",
      "stream-error",
      "raw-body",
      "huge-body",
    ]);
  });

  it("holds a hung request until the client gives up", async () => {
    server.addRule({ fault: { type: "hang" } });
    const controller = new AbortController();
    const pending = openaiClient(server).embeddings.create(
      { model: "m", input: "x" },
      { signal: controller.signal },
    );
    await waitUntil(() => server.requests[0]?.fault === "hang", { what: "the request to hang" });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    expect(server.requests[0]).toMatchObject({ fault: "hang", status: 0 });
  });
});
