import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  azureOpenAIClient,
  helloMessages,
  modelClient,
  openaiClient,
  testKey,
} from "../test-support/sdk-clients.js";
import { RuleBook, ruleMatches } from "./rules.js";
import { startLlmServer } from "./server.js";
import type { ChatRequestInfo, LlmServer } from "./types.js";

function chatRequest(overrides: Partial<ChatRequestInfo> = {}): ChatRequestInfo {
  return {
    route: "openai-v1",
    model: "gpt-4o-mini",
    modelOrDeployment: "gpt-4o-mini",
    messages: [{ role: "user", content: "Summarise this." }],
    lastUserMessage: "Summarise this.",
    stream: false,
    includeUsage: false,
    body: {},
    ...overrides,
  };
}

describe("ruleMatches", () => {
  it("requires every given condition", () => {
    const request = chatRequest({ route: "azure-deployment", deployment: "prod-4o" });
    expect(ruleMatches(undefined, request, undefined)).toBe(true);
    expect(ruleMatches({ route: "azure-deployment", deployment: /^prod-/ }, request, undefined)).toBe(true);
    expect(ruleMatches({ route: "azure-deployment", model: "gpt-4o" }, request, undefined)).toBe(false);
    expect(ruleMatches({ lastUserMessage: /summarise/i }, request, undefined)).toBe(true);
    expect(ruleMatches({ lastUserMessage: "Summarise" }, request, undefined)).toBe(false);
  });

  it("matches a key by its name or by the key itself", () => {
    const request = chatRequest({ keyName: "team-a" });
    expect(ruleMatches({ key: "team-a" }, request, "secret-a")).toBe(true);
    expect(ruleMatches({ key: "secret-a" }, request, "secret-a")).toBe(true);
    expect(ruleMatches({ key: "team-b" }, request, "secret-a")).toBe(false);
  });

  it("does not carry a global RegExp's position from one request to the next", () => {
    const match = { model: /gpt/g };
    expect(ruleMatches(match, chatRequest(), undefined)).toBe(true);
    expect(ruleMatches(match, chatRequest(), undefined)).toBe(true);
  });
});

describe("RuleBook", () => {
  it("spends a rule after `times` uses and falls through to the next", () => {
    const book = new RuleBook([{ reply: "first", times: 2 }, { reply: "then" }]);
    const replies = [1, 2, 3].map(() => book.take(chatRequest(), undefined)?.reply);
    expect(replies).toEqual(["first", "first", "then"]);
    book.reset();
    expect(book.take(chatRequest(), undefined)?.reply).toBe("first");
  });

  it("rejects rules that cannot work, saying what was expected", () => {
    expect(() => new RuleBook([{ times: -1 }])).toThrow(
      "Expected `rule.times` to be a non-negative integer, got -1",
    );
    expect(() => new RuleBook([{ reply: "x", fault: { type: "hang" } }])).toThrow(
      "at most one of `reply`, `embeddings`, `results` and `fault`, got reply and fault",
    );
    expect(() => new RuleBook([{ results: [], fault: { type: "hang" } }])).toThrow("got results and fault");
  });
});

describe("rules through the real SDKs", () => {
  let server: LlmServer;
  beforeEach(async () => {
    server = await startLlmServer({
      keys: { "team-a": testKey, "team-b": "key-of-team-b" },
      rules: [
        { match: { lastUserMessage: /weather/ }, reply: "Sunny, 21 °C." },
        {
          match: { key: "team-b" },
          reply: (request) => `Hello team B, this is ${request.modelOrDeployment}.`,
        },
      ],
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it("scripts the reply of matching requests, in JSON and in streams", async () => {
    const messages = [{ role: "user" as const, content: "What is the weather?" }];
    const completion = await openaiClient(server).chat.completions.create({ model: "m", messages });
    expect(completion.choices[0]?.message.content).toBe("Sunny, 21 °C.");
    expect(completion.usage?.completion_tokens).toBe(3);

    const stream = await azureOpenAIClient(server).chat.completions.create({
      model: "m",
      messages,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Sunny, 21 °C.");
  });

  it("passes the request to a reply function and matches on the key's name", async () => {
    const response = await modelClient(server, "key-of-team-b")
      .path("/chat/completions")
      .post({ body: { model: "phi-4", messages: helloMessages } });
    expect(response.body).toMatchObject({
      choices: [{ message: { content: "Hello team B, this is phi-4." } }],
    });
  });

  it("applies a rule `times` times, then the default reply", async () => {
    server.addRule({ match: { model: "flaky" }, fault: { type: "status", status: 500 }, times: 2 });
    const client = openaiClient(server);
    const outcomes: Array<number | string> = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      outcomes.push(
        await client.chat.completions.create({ model: "flaky", messages: helloMessages }).then(
          (completion) => completion.choices[0]?.message.content ?? "",
          (error: { status: number }) => error.status,
        ),
      );
    }
    expect(outcomes).toEqual([500, 500, 'Offline reply from flaky: "Say hello."']);
    expect(server.requests.map((entry) => entry.fault)).toEqual(["status", "status", undefined]);
  });

  it("reset() empties the log and drops added rules", async () => {
    server.addRule({ fault: { type: "status", status: 503 } });
    await expect(
      openaiClient(server).chat.completions.create({ model: "m", messages: helloMessages }),
    ).rejects.toMatchObject({ status: 503 });
    const requests = server.requests;

    server.reset();
    expect(requests).toHaveLength(0);
    expect(server.stats()).toEqual({ total: 0, maxConcurrency: 0, maxConcurrencyByKey: {}, tokensByKey: {} });
    const completion = await openaiClient(server).chat.completions.create({
      model: "m",
      messages: helloMessages,
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(requests).toEqual([expect.objectContaining({ seq: 1, status: 200 })]);
  });
});
