import { isUnexpected } from "@azure-rest/ai-inference";
import type OpenAI from "openai";
import { APIConnectionError } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  azureOpenAIClient,
  azureV1Client,
  helloMessages,
  modelClient,
  openaiClient,
  readSseData,
  streamedText,
  waitUntil,
} from "../test-support/sdk-clients.js";
import { startLlmServer } from "./server.js";
import type { LlmServer, RequestLogEntry } from "./types.js";

let server: LlmServer;
beforeEach(async () => {
  server = await startLlmServer();
});
afterEach(async () => {
  await server.close();
});

const expectedReply = 'Offline reply from gpt-4o-mini: "Say hello."';
const expectedUsage = { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 };

describe("JSON replies through the real SDKs", () => {
  it("answers OpenAI on /v1 in the recorded shape", async () => {
    const { data, request_id } = await openaiClient(server)
      .chat.completions.create({ model: "gpt-4o-mini", messages: helloMessages, temperature: 0.2 })
      .withResponse();

    expect(data).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{24}$/),
      object: "chat.completion",
      created: 1732000000,
      model: "gpt-4o-mini",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: expectedReply, refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: expectedUsage,
      system_fingerprint: "fp_offline",
    });
    expect(Object.keys(data)).toEqual([
      "id",
      "object",
      "created",
      "model",
      "choices",
      "usage",
      "system_fingerprint",
    ]);
    expect(request_id).toBe("offline-req-1");
    expect(server.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      route: "openai-v1",
      model: "gpt-4o-mini",
      auth: "bearer",
      stream: false,
      messages: 2,
      lastUserMessage: "Say hello.",
      status: 200,
    });
  });

  it("answers the Azure OpenAI v1 API path", async () => {
    const completion = await azureV1Client(server).chat.completions.create({
      model: "gpt-4.1",
      messages: helloMessages,
    });
    expect(completion.choices[0]?.message.content).toBe('Offline reply from gpt-4.1: "Say hello."');
    expect(server.requests[0]).toMatchObject({
      path: "/openai/v1/chat/completions",
      route: "azure-openai-v1",
    });
  });

  it("answers AzureOpenAI on a deployment, recording deployment and api-version", async () => {
    const completion = await azureOpenAIClient(server, undefined, "my-deployment").chat.completions.create({
      model: "",
      messages: helloMessages,
    });
    expect(completion.model).toBe("my-deployment");
    expect(completion.choices[0]?.message.content).toBe('Offline reply from my-deployment: "Say hello."');
    expect(server.requests[0]).toMatchObject({
      path: "/openai/deployments/my-deployment/chat/completions",
      route: "azure-deployment",
      deployment: "my-deployment",
      apiVersion: "2024-10-21",
      auth: "api-key",
    });
    expect(server.requests[0]?.model).toBeUndefined();
  });

  it("prefers the body's model over the deployment name", async () => {
    const completion = await azureOpenAIClient(server).chat.completions.create({
      model: "gpt-4o",
      messages: helloMessages,
    });
    expect(completion.model).toBe("gpt-4o");
    expect(server.requests[0]).toMatchObject({ deployment: "gpt-4o-mini", model: "gpt-4o" });
  });

  it("answers ModelClient on /models with both auth headers", async () => {
    const response = await modelClient(server)
      .path("/chat/completions")
      .post({ body: { model: "gpt-4o-mini", messages: helloMessages } });

    expect(response.status).toBe("200");
    if (isUnexpected(response)) throw new Error("expected a 200");
    expect(response.body.choices[0]?.message.content).toBe(expectedReply);
    expect(response.body.usage).toEqual(expectedUsage);
    expect(response.headers["x-request-id"]).toBe("offline-req-1");
    expect(server.requests[0]).toMatchObject({
      route: "foundry-models",
      apiVersion: "2024-05-01-preview",
      auth: "both",
    });
  });

  it("answers ModelClient on a deployment URL", async () => {
    const response = await modelClient(server, undefined, "/openai/deployments/gpt-4o-mini")
      .path("/chat/completions")
      .post({ body: { messages: helloMessages } });
    expect(response.status).toBe("200");
    if (isUnexpected(response)) throw new Error("expected a 200");
    expect(response.body.model).toBe("gpt-4o-mini");
  });

  it("answers /models/info", async () => {
    const response = await modelClient(server).path("/info").get();
    expect(response.status).toBe("200");
    expect(response.body).toEqual({
      model_name: "offline-model",
      model_type: "chat-completion",
      model_provider_name: "Weft",
    });
  });

  it("replies identically to identical requests", async () => {
    const client = openaiClient(server);
    const first = await client.chat.completions.create({ model: "m", messages: helloMessages });
    const second = await client.chat.completions.create({ model: "m", messages: helloMessages });
    expect(second).toEqual(first);
  });

  it("quotes at most 80 characters of the last user message, whitespace collapsed", async () => {
    const long = "word ".repeat(40) + "\n\nend";
    const completion = await openaiClient(server).chat.completions.create({
      model: "m",
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: "an answer" },
        { role: "user", content: [{ type: "text", text: long }] },
      ],
    });
    const content = completion.choices[0]?.message.content ?? "";
    const quoted = /"(.*)"$/.exec(content)?.[1] ?? "";
    expect(quoted).toHaveLength(80);
    expect(quoted.endsWith("…")).toBe(true);
    expect(quoted).not.toContain("\n");
    expect(server.requests[0]?.messages).toBe(3);
  });

  it("replies with a JSON object when response_format asks for one", async () => {
    const completion = await openaiClient(server).chat.completions.create({
      model: "gpt-4o-mini",
      messages: helloMessages,
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual({ reply: expectedReply });
  });
});

describe("streams through the real SDKs", () => {
  async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  it("streams role, word chunks, finish and usage to OpenAI", async () => {
    const chunks = await collect(
      await openaiClient(server).chat.completions.create({
        model: "gpt-4o-mini",
        messages: helloMessages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.slice(1, -2).map((chunk) => chunk.choices[0]?.delta.content)).toEqual([
      "Offline",
      " reply",
      " from",
      " gpt-4o-mini:",
      ' "Say',
      ' hello."',
    ]);
    expect(streamedText(chunks)).toBe(expectedReply);
    expect(chunks.at(-2)?.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: expectedUsage });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(server.requests[0]).toMatchObject({ stream: true, status: 200 });
  });

  it("leaves usage out of chunks when include_usage is not asked for", async () => {
    const chunks = await collect(
      await azureV1Client(server).chat.completions.create({
        model: "m",
        messages: helloMessages,
        stream: true,
      }),
    );
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("streams to AzureOpenAI with the prompt filter chunk first", async () => {
    const chunks = await collect(
      await azureOpenAIClient(server).chat.completions.create({
        model: "gpt-4o-mini",
        messages: helloMessages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(chunks[0]).toMatchObject({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] });
    expect(streamedText(chunks)).toBe(expectedReply);
    expect(chunks.at(-1)?.usage).toEqual(expectedUsage);
  });

  it("streams to ModelClient as SSE ending in [DONE]", async () => {
    // stream_options is sent as is, though ModelClient's body type does not declare it.
    const body = {
      model: "gpt-4o-mini",
      messages: helloMessages,
      stream: true,
      stream_options: { include_usage: true },
    };
    const response = await modelClient(server).path("/chat/completions").post({ body }).asNodeStream();
    expect(response.status).toBe("200");
    expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const data = await readSseData(response.body!);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((text) => JSON.parse(text));
    expect(chunks[0].object).toBe("chat.completion.chunk");
    expect(streamedText(chunks)).toBe(expectedReply);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: expectedUsage });
  });
});

describe("requests the services would refuse", () => {
  it("answers unknown paths with Azure's 404 body", async () => {
    const response = await fetch(server.url + "/v2/chat/completions", { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "404", message: "Resource not found" } });
    expect(server.requests[0]).toMatchObject({ route: "not-found", status: 404, auth: "none" });
  });

  it("answers a deployment path without api-version with 404, as classic Azure does", async () => {
    const client = new (await import("openai")).default({
      apiKey: "k",
      baseURL: server.url + "/openai/deployments/gpt-4o-mini",
      maxRetries: 0,
    });
    await expect(
      client.chat.completions.create({ model: "m", messages: helloMessages }),
    ).rejects.toMatchObject({
      status: 404,
      error: { code: "404", message: "Resource not found" },
    });
  });

  it("answers a body without messages with OpenAI's 400", async () => {
    await expect(openaiClient(server).chat.completions.create({ model: "m" } as never)).rejects.toMatchObject(
      { status: 400, code: "missing_required_parameter", param: "messages" },
    );
  });

  it("asks for a model when neither the body nor the path names one", async () => {
    const response = await modelClient(server)
      .path("/chat/completions")
      .post({ body: { messages: helloMessages } });
    expect(response.status).toBe("400");
    expect(response.body).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

describe("close()", () => {
  it("resolves promptly with an idle keep-alive connection open", async () => {
    await openaiClient(server).chat.completions.create({ model: "m", messages: helloMessages });
    await server.close();
    await expect(fetch(server.url + "/v1/chat/completions", { method: "POST" })).rejects.toThrow();
  });

  it("cancels a pending delay and cuts its connection", async () => {
    server.addRule({ delayMs: 600_000 });
    const pending = openaiClient(server)
      .chat.completions.create({ model: "m", messages: helloMessages })
      .catch((caught: unknown) => caught);
    await waitUntil(() => server.requests[0]?.messages === 2);
    await server.close();
    expect(await pending).toBeInstanceOf(APIConnectionError);
    expect(server.requests[0]?.status).toBe(0);
  });
});

describe("the server's own failures and client aborts", () => {
  it("answers 500 when a reply function throws, and says why", async () => {
    server.addRule({
      reply: () => {
        throw new Error("no script for this");
      },
    });
    await expect(
      openaiClient(server).chat.completions.create({ model: "m", messages: helloMessages }),
    ).rejects.toMatchObject({ status: 500, message: "500 Offline server failure: no script for this" });
    expect(server.requests[0]?.status).toBe(500);
  });

  it("stops streaming when the client breaks off, and finishes the log entry", async () => {
    const finished: RequestLogEntry[] = [];
    const paced = await startLlmServer({
      rules: [{ chunkDelayMs: 600_000 }],
      onRequest: (entry) => finished.push(entry),
    });
    try {
      const stream = await openaiClient(paced).chat.completions.create({
        model: "m",
        messages: helloMessages,
        stream: true,
      });
      let received = 0;
      for await (const _chunk of stream) {
        received += 1;
        if (received === 1) break;
      }
      await waitUntil(() => finished.length === 1);
      expect(finished[0]).toMatchObject({ status: 200, stream: true });
    } finally {
      await paced.close();
    }
  });
});
