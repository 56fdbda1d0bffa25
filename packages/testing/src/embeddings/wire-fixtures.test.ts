import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { AzureKeyCredential } from "@azure/core-auth";
import ModelClient from "@azure-rest/ai-inference";
import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_PLACEHOLDER, recordRequest, type WireFixture } from "../../test-support/wire-recorder.js";
import { startLlmServer } from "../server.js";
import type { LlmServer, RouteName } from "../types.js";

/**
 * The requests the real clients send for embeddings (and for a serverless endpoint's chat and
 * info), recorded into `wire-fixtures/` with the key replaced. Each test checks that the client
 * still sends exactly the recorded request, and that the offline server accepts exactly it.
 * `WEFT_RECORD_FIXTURES=1 npx vitest run packages/testing/src/embeddings/wire-fixtures.test.ts`
 * writes the files again.
 */
const FIXTURES = new URL("../../wire-fixtures/", import.meta.url);
const KEY = "test-key-123";
const recording = process.env.WEFT_RECORD_FIXTURES === "1";
const note = "Recorded from the real client against a local 127.0.0.1 server; the key is replaced by <key>.";
const input = ["The quick brown fox", "jumped over the lazy dog"];
const openai = "openai@6.49.0";
const modelClientSdk = "@azure-rest/ai-inference@1.0.0-beta.6";
const embeddingsReply = {
  object: "list",
  data: [],
  model: "m",
  usage: { prompt_tokens: 0, total_tokens: 0 },
};
const modelClientOptions = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };

interface Case {
  name: string;
  sdk: string;
  client: string;
  call: string;
  route: RouteName;
  send: (url: string) => Promise<unknown>;
}

const CASES: Case[] = [
  {
    name: "embeddings-openai-v1",
    sdk: openai,
    client: "new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 })",
    call: "client.embeddings.create({ model: 'text-embedding-3-small', input, dimensions: 256 })",
    route: "openai-v1-embeddings",
    send: (url) =>
      new OpenAI({ apiKey: KEY, baseURL: `${url}/v1`, maxRetries: 0 }).embeddings.create({
        model: "text-embedding-3-small",
        input,
        dimensions: 256,
      }),
  },
  {
    name: "embeddings-azure-openai-v1",
    sdk: openai,
    client: "new OpenAI({ apiKey, baseURL: `${url}/openai/v1`, maxRetries: 0 })",
    call: "client.embeddings.create({ model: 'my-embedding', input })",
    route: "azure-openai-v1-embeddings",
    send: (url) =>
      new OpenAI({ apiKey: KEY, baseURL: `${url}/openai/v1`, maxRetries: 0 }).embeddings.create({
        model: "my-embedding",
        input,
      }),
  },
  {
    name: "embeddings-azureopenai-deployment",
    sdk: openai,
    client:
      "new AzureOpenAI({ apiKey, baseURL: `${url}/openai/deployments/my-embedding`, apiVersion: '2024-10-21', maxRetries: 0 })",
    call: "client.embeddings.create({ model: 'my-embedding', input })",
    route: "azure-deployment-embeddings",
    send: (url) =>
      new AzureOpenAI({
        apiKey: KEY,
        baseURL: `${url}/openai/deployments/my-embedding`,
        apiVersion: "2024-10-21",
        maxRetries: 0,
      }).embeddings.create({ model: "my-embedding", input }),
  },
  {
    name: "embeddings-azureopenai-resource",
    sdk: openai,
    client: "new AzureOpenAI({ apiKey, endpoint: url, apiVersion: '2024-10-21', maxRetries: 0 })",
    call: "client.embeddings.create({ model: 'my-embedding', input })",
    route: "azure-deployment-embeddings",
    send: (url) =>
      new AzureOpenAI({
        apiKey: KEY,
        endpoint: url,
        apiVersion: "2024-10-21",
        maxRetries: 0,
      }).embeddings.create({
        model: "my-embedding",
        input,
      }),
  },
  {
    name: "embeddings-modelclient-foundry",
    sdk: modelClientSdk,
    client: "ModelClient(`${url}/models`, new AzureKeyCredential(key), { retryOptions: { maxRetries: 0 } })",
    call: "client.path('/embeddings').post({ body: { input, model: 'cohere-embed-v3-english' } })",
    route: "foundry-models-embeddings",
    send: (url) =>
      ModelClient(`${url}/models`, new AzureKeyCredential(KEY), modelClientOptions)
        .path("/embeddings")
        .post({ body: { input, model: "cohere-embed-v3-english" } }),
  },
  {
    name: "embeddings-modelclient-serverless",
    sdk: modelClientSdk,
    client: "ModelClient(url, new AzureKeyCredential(key), { retryOptions: { maxRetries: 0 } })",
    call: "client.path('/embeddings').post({ body: { input } })",
    route: "serverless-embeddings",
    send: (url) =>
      ModelClient(url, new AzureKeyCredential(KEY), modelClientOptions)
        .path("/embeddings")
        .post({ body: { input } }),
  },
  {
    name: "chat-modelclient-serverless",
    sdk: modelClientSdk,
    client: "ModelClient(url, new AzureKeyCredential(key), { retryOptions: { maxRetries: 0 } })",
    call: "client.path('/chat/completions').post({ body: { messages } })",
    route: "serverless",
    send: (url) =>
      ModelClient(url, new AzureKeyCredential(KEY), modelClientOptions)
        .path("/chat/completions")
        .post({ body: { messages: [{ role: "user", content: "Say hello." }] } }),
  },
  {
    name: "info-modelclient-serverless",
    sdk: modelClientSdk,
    client: "ModelClient(url, new AzureKeyCredential(key), { retryOptions: { maxRetries: 0 } })",
    call: "client.path('/info').get()",
    route: "serverless-info",
    send: (url) => ModelClient(url, new AzureKeyCredential(KEY), modelClientOptions).path("/info").get(),
  },
];

function fixtureFile(name: string): URL {
  return new URL(`${name}.json`, FIXTURES);
}

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys: { fixture: KEY } });
});
afterAll(async () => {
  await server.close();
});

describe.each(CASES)("wire fixture $name", (fixtureCase) => {
  it("is what the real client sends", async () => {
    const request = await recordRequest(KEY, embeddingsReply, fixtureCase.send);
    expect(JSON.stringify(request)).not.toContain(KEY);
    const fixture: WireFixture = {
      case: fixtureCase.name,
      sdk: fixtureCase.sdk,
      client: fixtureCase.client,
      call: fixtureCase.call,
      note,
      request,
    };
    if (recording) writeFileSync(fixtureFile(fixtureCase.name), `${JSON.stringify(fixture, null, 2)}\n`);
    expect(JSON.parse(readFileSync(fixtureFile(fixtureCase.name), "utf8"))).toEqual(fixture);
  });

  it("is accepted by the offline server exactly as recorded", async () => {
    const { request } = JSON.parse(readFileSync(fixtureFile(fixtureCase.name), "utf8")) as WireFixture;
    server.reset();
    const { status, body } = await replay(request);

    expect(status).toBe(200);
    expect(server.requests).toMatchObject([{ route: fixtureCase.route, keyName: "fixture", status: 200 }]);
    if (fixtureCase.route.endsWith("-embeddings")) {
      const { data } = body as { data: Array<{ embedding: unknown }> };
      expect(data).toHaveLength(input.length);
      const format = (request.body as { encoding_format?: string }).encoding_format ?? "float";
      for (const { embedding } of data) {
        if (format === "base64") expect(embedding).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]+=*$/));
        else expect(embedding).toEqual(expect.arrayContaining([expect.any(Number)]));
      }
    }
  });
});

/** Sends a recorded request as is (the key put back), over plain `node:http`, and reads the JSON answer. */
function replay(request: WireFixture["request"]): Promise<{ status: number; body: unknown }> {
  const headers = Object.fromEntries(
    Object.entries(request.headers)
      .filter(([name]) => name !== "host" && name !== "connection")
      .map(([name, value]) => [name, value.split(KEY_PLACEHOLDER).join(KEY)]),
  );
  const query = new URLSearchParams(request.query).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${request.path}${query ? `?${query}` : ""}`,
      { method: request.method, headers: { ...headers, "accept-encoding": "identity" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }),
        );
      },
    );
    req.on("error", reject);
    req.end(request.body === null ? undefined : JSON.stringify(request.body));
  });
}
