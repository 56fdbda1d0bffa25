import { afterEach, describe, expect, it } from "vitest";
import { helloMessages, modelClient, openaiClient } from "../test-support/sdk-clients.js";
import { RequestLog } from "./request-log.js";
import { startLlmServer } from "./server.js";
import type { LlmServer, RequestLogEntry } from "./types.js";

describe("RequestLog", () => {
  it("counts requests in flight, overall and per key, and reports each finish once", () => {
    const finished: RequestLogEntry[] = [];
    const log = new RequestLog((entry) => finished.push(entry));
    const arriving = {
      method: "POST",
      path: "/v1/chat/completions",
      route: "openai-v1",
      auth: "bearer",
    } as const;
    const a1 = log.begin({ ...arriving, keyLabel: "a" });
    const a2 = log.begin({ ...arriving, keyLabel: "a" });
    const b1 = log.begin({ ...arriving, keyLabel: "b" });
    a1.finish();
    a1.finish();
    const a3 = log.begin({ ...arriving, keyLabel: "a" });

    expect([a1, a2, b1, a3].map(({ entry }) => entry.concurrency)).toEqual([1, 2, 3, 3]);
    expect(log.stats()).toEqual({
      total: 4,
      maxConcurrency: 3,
      maxConcurrencyByKey: { a: 2, b: 1 },
      tokensByKey: {},
    });
    expect(finished).toHaveLength(1);
  });

  it("counts a key named __proto__ or constructor like any other", () => {
    const log = new RequestLog();
    const arriving = {
      method: "POST",
      path: "/v1/chat/completions",
      route: "openai-v1",
      auth: "bearer",
    } as const;
    log.begin({ ...arriving, keyLabel: "__proto__" });
    log.begin({ ...arriving, keyLabel: "__proto__" });
    log.begin({ ...arriving, keyLabel: "constructor" });
    const byKey = log.stats().maxConcurrencyByKey;
    expect(Object.getPrototypeOf(byKey)).toBe(Object.prototype);
    expect(Object.keys(byKey)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(byKey, "__proto__")?.value).toBe(2);
    expect(byKey.constructor).toBe(1);
  });
});

describe("concurrency through the real SDKs", () => {
  let server: LlmServer;
  afterEach(async () => {
    await server.close();
  });

  it("records the high-water mark of parallel requests, per key too", async () => {
    server = await startLlmServer({ keys: { a: "key-a", b: "key-b" }, defaultDelayMs: 150 });
    const params = { model: "m", messages: helloMessages };
    await Promise.all([
      ...Array.from({ length: 4 }, () => openaiClient(server, "key-a").chat.completions.create(params)),
      ...Array.from({ length: 2 }, () =>
        modelClient(server, "key-b").path("/chat/completions").post({ body: params }),
      ),
    ]);
    await openaiClient(server, "key-b").chat.completions.create(params);

    expect(server.stats()).toMatchObject({
      total: 7,
      maxConcurrency: 6,
      maxConcurrencyByKey: { a: 4, b: 2 },
    });
    expect(server.requests.at(-1)?.concurrency).toBe(1);
    expect(Math.max(...server.requests.map((entry) => entry.concurrency))).toBe(6);
  });

  it("counts the tokens its answers reported, per key, as the clients read them", async () => {
    server = await startLlmServer({ keys: { a: "key-a", b: "key-b" } });
    const ask = (content: string) => ({ model: "m", messages: [{ role: "user" as const, content }] });
    const answers = await Promise.all([
      openaiClient(server, "key-a").chat.completions.create(ask("one two three")),
      openaiClient(server, "key-a").chat.completions.create(ask("four")),
      openaiClient(server, "key-b").chat.completions.create(ask("five six")),
    ]);
    const tokens = answers.map((answer) => answer.usage!);
    const sum = (list: typeof tokens) => ({
      requests: list.length,
      promptTokens: list.reduce((total, usage) => total + usage.prompt_tokens, 0),
      completionTokens: list.reduce((total, usage) => total + usage.completion_tokens, 0),
      totalTokens: list.reduce((total, usage) => total + usage.total_tokens, 0),
    });
    expect(server.stats().tokensByKey).toEqual({ a: sum(tokens.slice(0, 2)), b: sum(tokens.slice(2)) });
    expect(server.requests.map((entry) => entry.usage?.totalTokens).sort()).toEqual(
      tokens.map((usage) => usage.total_tokens).sort(),
    );
    // A fault answers with no usage: it counts for nobody.
    server.addRule({ fault: { type: "status", status: 429 } });
    await openaiClient(server, "key-a")
      .chat.completions.create(ask("seven"))
      .catch(() => {});
    expect(server.stats().tokensByKey.a?.requests).toBe(2);
  });

  it("fills in duration and status once a delayed request is answered", async () => {
    server = await startLlmServer({ rules: [{ delayMs: 50 }] });
    await openaiClient(server).chat.completions.create({ model: "m", messages: helloMessages });
    const [entry] = server.requests;
    expect(entry?.status).toBe(200);
    expect(entry?.durationMs).toBeGreaterThanOrEqual(40);
    expect(entry?.startedAt).toBeLessThanOrEqual(Date.now());
  });
});
