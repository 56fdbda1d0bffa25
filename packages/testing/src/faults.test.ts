import { createSseStream } from "@azure/core-sse";
import { isUnexpected } from "@azure-rest/ai-inference";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  InternalServerError,
  RateLimitError,
} from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  azureOpenAIClient,
  helloMessages,
  modelClient,
  openaiClient,
  readSseData,
  streamedText,
  testKey,
  waitUntil,
} from "../test-support/sdk-clients.js";
import { startLlmServer } from "./server.js";
import type { LlmServer } from "./types.js";

let server: LlmServer;
beforeEach(async () => {
  server = await startLlmServer();
});
afterEach(async () => {
  await server.close();
});

const params = { model: "gpt-4o-mini", messages: helloMessages };

describe("status faults", () => {
  it("reaches OpenAI as a RateLimitError carrying retry-after-ms", async () => {
    server.addRule({ fault: { type: "status", status: 429, retryAfterMs: 250 } });
    const error = await openaiClient(server)
      .chat.completions.create(params)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers?.get("retry-after-ms")).toBe("250");
    expect(rateLimit.code).toBe("rate_limit_exceeded");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ status: 429, fault: "status" });
  });

  it('reaches ModelClient as status "429" with Azure\'s body and the retry headers', async () => {
    server.addRule({ fault: { type: "status", status: 429, retryAfterMs: 250, retryAfter: 1 } });
    const response = await modelClient(server).path("/chat/completions").post({ body: params });

    expect(response.status).toBe("429");
    expect(isUnexpected(response)).toBe(true);
    expect(response.headers["retry-after-ms"]).toBe("250");
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.body).toMatchObject({ error: { code: "429" } });
  });

  it("sends OpenAI's insufficient_quota body for that code", async () => {
    server.addRule({ fault: { type: "status", status: 429, code: "insufficient_quota" } });
    await expect(openaiClient(server).chat.completions.create(params)).rejects.toMatchObject({
      status: 429,
      code: "insufficient_quota",
      type: "insufficient_quota",
      message: expect.stringContaining("You exceeded your current quota"),
    });
  });

  it("reaches AzureOpenAI as an InternalServerError for 503, with a custom message", async () => {
    server.addRule({ fault: { type: "status", status: 503, message: "Try later." } });
    const error = await azureOpenAIClient(server)
      .chat.completions.create(params)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 503, code: "ServiceUnavailable", message: "503 Try later." });
  });

  it("answers a stream request with the error before any event", async () => {
    server.addRule({ fault: { type: "status", status: 400, code: "content_filter" } });
    await expect(
      openaiClient(server).chat.completions.create({ ...params, stream: true }),
    ).rejects.toMatchObject({ status: 400, code: "content_filter", param: "prompt" });
  });
});

describe("connection faults", () => {
  it("drop: OpenAI sees a connection error and the log has no status", async () => {
    server.addRule({ fault: { type: "drop" } });
    await expect(openaiClient(server).chat.completions.create(params)).rejects.toBeInstanceOf(
      APIConnectionError,
    );
    expect(server.requests[0]).toMatchObject({ status: 0, fault: "drop" });
  });

  it('drop: ModelClient throws a RestError "socket hang up"', async () => {
    server.addRule({ fault: { type: "drop" } });
    await expect(modelClient(server).path("/chat/completions").post({ body: params })).rejects.toMatchObject({
      name: "RestError",
      code: "ECONNRESET",
      message: "socket hang up",
    });
  });

  it("hang: never answers, so the client's own timeout ends the request", async () => {
    server.addRule({ fault: { type: "hang" } });
    // A second: the client gives up whatever the length, and a loaded machine delivers the request
    // first, which the log checks.
    const error = await openaiClient(server)
      .chat.completions.create(params, { timeout: 1_000 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect((error as Error).message).toBe("Request timed out.");
    expect(server.requests[0]).toMatchObject({ status: 0, fault: "hang" });
  });

  it("hang: close() ends a hung request instead of waiting for it", async () => {
    server.addRule({ fault: { type: "hang" } });
    const pending = openaiClient(server)
      .chat.completions.create(params)
      .catch((caught: unknown) => caught);
    await waitUntil(() => server.requests.length === 1);
    await server.close();
    expect(await pending).toBeInstanceOf(APIConnectionError);
  });

  it("malformed-json: OpenAI throws the raw SyntaxError of its JSON parse", async () => {
    server.addRule({ fault: { type: "malformed-json" } });
    const error = await openaiClient(server)
      .chat.completions.create(params)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SyntaxError);
    expect(server.requests[0]).toMatchObject({ status: 200, fault: "malformed-json" });
  });

  it("malformed-json: ModelClient throws a RestError PARSE_ERROR", async () => {
    server.addRule({ fault: { type: "malformed-json" } });
    await expect(modelClient(server).path("/chat/completions").post({ body: params })).rejects.toMatchObject({
      name: "RestError",
      code: "PARSE_ERROR",
      message: expect.stringContaining("occurred while parsing the response body"),
    });
  });

  it("malformed-json: an OpenAI stream answered with JSON yields no chunk and no error", async () => {
    server.addRule({ fault: { type: "malformed-json" } });
    const stream = await openaiClient(server).chat.completions.create({ ...params, stream: true });
    let chunks = 0;
    for await (const _chunk of stream) chunks += 1;
    expect(chunks).toBe(0);
  });
});

describe("stream faults", () => {
  const streamParams = { ...params, stream: true as const };

  it("stream-error: OpenAI throws an APIError after the chunks before it", async () => {
    server.addRule({ fault: { type: "stream-error", afterChunks: 2 } });
    const stream = await openaiClient(server).chat.completions.create(streamParams);
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({
      status: undefined,
      code: "server_error",
      message: "The server had an error while processing your request.",
    });
    expect(received).toEqual(["", "Offline"]);
    expect(server.requests[0]).toMatchObject({ status: 200, fault: "stream-error" });
  });

  it("stream-error: ModelClient reads the error event and no [DONE]", async () => {
    server.addRule({ fault: { type: "stream-error", afterChunks: 1, code: "rate_limit_exceeded" } });
    const response = await modelClient(server)
      .path("/chat/completions")
      .post({ body: streamParams })
      .asNodeStream();
    const data = await readSseData(response.body!);
    expect(data).toHaveLength(2);
    expect(JSON.parse(data[1]!)).toMatchObject({ error: { code: "rate_limit_exceeded" } });
  });

  it("stream-cut: OpenAI gets the first chunks, then undici's unwrapped TypeError", async () => {
    server.addRule({ fault: { type: "stream-cut", afterChunks: 3 } });
    const stream = await azureOpenAIClient(server).chat.completions.create(streamParams);
    const chunks: Array<{ choices: Array<{ delta?: { content?: string | null } }> }> = [];
    const error = await (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })().catch((caught: unknown) => caught);

    // Azure deployments send the prompt filter chunk first: 3 events are it, the role and one word.
    expect(chunks).toHaveLength(3);
    expect(streamedText(chunks)).toBe("Offline");
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(APIError);
    expect(error).toMatchObject({ message: "terminated", cause: { code: "UND_ERR_SOCKET" } });
    expect(server.requests[0]).toMatchObject({ status: 200, fault: "stream-cut" });
  });

  it("stream-cut: ModelClient's stream fails with ECONNRESET, without [DONE]", async () => {
    server.addRule({ fault: { type: "stream-cut", afterChunks: 2 } });
    const response = await modelClient(server)
      .path("/chat/completions")
      .post({ body: streamParams })
      .asNodeStream();
    const data: string[] = [];
    const error = await (async () => {
      for await (const event of createSseStream(response.body!)) data.push(event.data);
    })().catch((caught: unknown) => caught);
    expect(data.map((text) => JSON.parse(text).choices[0].delta)).toEqual([
      { role: "assistant", content: "" },
      { content: "Offline" },
    ]);
    expect(error).toMatchObject({ message: "aborted", code: "ECONNRESET" });
    expect(data).not.toContain("[DONE]");
  });
});

describe("body faults", () => {
  it("raw-body: OpenAI hands back a JSON null as null, and text as a string", async () => {
    server.addRule({ fault: { type: "raw-body", body: "null", contentType: "application/json" }, times: 1 });
    server.addRule({ fault: { type: "raw-body", body: "<html>Service moved</html>" }, times: 1 });
    const client = openaiClient(server);

    expect(await client.chat.completions.create(params)).toBeNull();
    expect(await client.chat.completions.create(params)).toBe("<html>Service moved</html>");
    expect(server.requests.map((entry) => [entry.status, entry.fault])).toEqual([
      [200, "raw-body"],
      [200, "raw-body"],
    ]);
  });

  it("raw-body: ModelClient gets status 200 with the text as its body, with any status", async () => {
    server.addRule({ fault: { type: "raw-body", body: "plain words" }, times: 1 });
    server.addRule({ fault: { type: "raw-body", body: "Bad gateway", status: 502 }, times: 1 });
    const client = modelClient(server);

    const ok = await client.path("/chat/completions").post({ body: params });
    expect(ok).toMatchObject({ status: "200", body: "plain words" });
    const failed = await client.path("/chat/completions").post({ body: params });
    expect(failed).toMatchObject({ status: "502", body: "Bad gateway" });
  });

  it("huge-body: sends a whole completion of that size to a client that reads it all", async () => {
    server.addRule({ fault: { type: "huge-body", bytes: 300_000 } });
    const response = await openaiClient(server).chat.completions.create(params).withResponse();

    expect(response.data.choices[0]?.message.content).toMatch(/^x{299000,}$/);
    expect(response.response.headers.get("content-length")).toBeNull();
    expect(server.requests[0]?.bodyBytesSent).toBe(300_000);
  });

  it("huge-body: an error status sends an error body, with content-length when asked", async () => {
    server.addRule({ fault: { type: "huge-body", bytes: 100_000, status: 500, declareLength: true } });
    const response = await modelClient(server).path("/chat/completions").post({ body: params });

    expect(response.status).toBe("500");
    expect(response.headers["content-length"]).toBe("100000");
    expect(response.body).toMatchObject({
      error: { code: "huge_body", message: expect.stringMatching(/^x+$/) },
    });
  });

  it("huge-body: stops sending when the client goes away", async () => {
    const bytes = 200 * 1024 * 1024;
    server.addRule({ fault: { type: "huge-body", bytes } });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${testKey}` },
      body: JSON.stringify(params),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await waitUntil(() => server.requests[0]?.durationMs !== 0);

    expect(server.requests[0]?.bodyBytesSent).toBeLessThan(bytes);
  });
});
