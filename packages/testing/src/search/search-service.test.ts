import { afterEach, describe, expect, it } from "vitest";
import { fingerprintKey } from "../auth.js";
import { startLlmServer } from "../server.js";
import type { LlmServer, LlmServerOptions } from "../types.js";

const KEY = "search-key-0a1b2c";
let server: LlmServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: LlmServerOptions = {}): Promise<LlmServer> {
  server = await startLlmServer({ keys: { app: KEY }, ...options });
  return server;
}

async function search(
  body: Record<string, unknown>,
  options: { index?: string; key?: string | null; apiVersion?: string | null } = {},
) {
  const { index = "handbook", key = KEY, apiVersion = "2026-04-01" } = options;
  const query = apiVersion === null ? "" : `?api-version=${apiVersion}`;
  const response = await fetch(`${server?.url}/indexes('${index}')/docs/search.post.search${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === null ? {} : { "api-key": key }) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

const hitIds = (json: Record<string, unknown> | undefined) =>
  ((json?.value ?? []) as Array<Record<string, unknown>>).map((hit) => hit.id);

describe("the offline Azure AI Search service", () => {
  it("answers a keyword search over the default index, annotations first", async () => {
    await start();
    const { status, json } = await search({ search: "rotate keys", select: "id,title", top: 2 });
    expect(status).toBe(200);
    expect(json?.value).toEqual([
      { "@search.score": expect.any(Number), id: "1", title: "Rotating API keys" },
      { "@search.score": expect.any(Number), id: "3", title: "Dynamic connections" },
    ]);
    expect(Object.keys(((json?.value ?? []) as object[])[0] ?? {})[0]).toBe("@search.score");
  });

  it("scores the same request the same way every time", async () => {
    await start();
    const body = {
      search: "key quota retry",
      vectorQueries: [{ kind: "vector", vector: [0.5, 0.5, 0, 0], fields: "contentVector", k: 3 }],
    };
    const first = await search(body);
    const second = await search(body);
    expect(first.json).toEqual(second.json);
  });

  it("ranks vectors by cosine similarity and keeps the k nearest", async () => {
    await start();
    const { json } = await search({
      vectorQueries: [{ kind: "vector", vector: [0.9, 0.1, 0, 0.1], fields: "contentVector", k: 2 }],
      select: "id",
    });
    expect(json?.value).toEqual([
      { "@search.score": 1, id: "1" },
      { "@search.score": expect.closeTo(0.8, 1), id: "4" },
    ]);
  });

  it("fuses text and vector rankings for a hybrid query (reciprocal rank fusion)", async () => {
    await start();
    const { json } = await search({
      search: "retry-after",
      vectorQueries: [{ kind: "vector", vector: [0, 1, 0, 0.5], fields: "contentVector", k: 5 }],
      select: "id",
    });
    const hits = json?.value as Array<Record<string, number>>;
    // Text ranks 2 then 5 (a tie, broken by key), the vector 5 then 2: fused, they tie at 1/61 + 1/62.
    expect(hitIds(json).slice(0, 2)).toEqual(["2", "5"]);
    expect(hits[0]?.["@search.score"]).toBeCloseTo(1 / 61 + 1 / 62, 6);
    expect(hits[1]?.["@search.score"]).toBeCloseTo(1 / 61 + 1 / 62, 6);
    expect(hits[2]?.["@search.score"]).toBeLessThan(1 / 61 + 1 / 62);
  });

  it("adds the reranker's score to a semantic query, and refuses an unknown configuration", async () => {
    await start();
    const { json } = await search({
      search: "customer keys",
      queryType: "semantic",
      semanticConfiguration: "default",
    });
    const hits = json?.value as Array<Record<string, number>>;
    expect(hits.every((hit) => typeof hit["@search.rerankerScore"] === "number")).toBe(true);
    const wrong = await search({ search: "x", queryType: "semantic", semanticConfiguration: "nope" });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual({
      error: {
        code: "",
        message: "Unknown semantic configuration 'nope'. Parameter name: semanticConfiguration",
      },
    });
  });

  it("honours top, select and an eq filter; answers other filters with the service's 400", async () => {
    await start();
    const { json } = await search({ search: "*", filter: "category eq 'operations'", select: "id", top: 1 });
    expect(json?.value).toEqual([{ "@search.score": 1, id: "2" }]);
    const bad = await search({ search: "*", filter: "rating gt 3" });
    expect(bad.status).toBe(400);
    expect((bad.json?.error as { message?: string } | undefined)?.message).toMatch(
      /^Invalid expression: .*\r\nParameter name: \$filter$/,
    );
    const unknownField = await search({ search: "*", select: "id,nope" });
    expect(unknownField.status).toBe(400);
  });

  it("answers an unknown index with 404 in the service's shape", async () => {
    await start();
    expect((await search({ search: "x" }, { index: "missing" })).json).toEqual({
      error: { code: "", message: "The index 'missing' for service 'offline' was not found." },
    });
  });

  it("answers 401 without a key, 403 with an empty body for a wrong one, 400 without api-version", async () => {
    await start();
    expect(await search({ search: "x" }, { key: null })).toMatchObject({ status: 401, text: "" });
    expect(await search({ search: "x" }, { key: "wrong-key-123" })).toMatchObject({ status: 403, text: "" });
    const noVersion = await search({ search: "x" }, { apiVersion: null });
    expect(noVersion.status).toBe(400);
    expect(noVersion.json).toEqual({
      error: { code: "", message: "Invalid or missing api-version query string parameter." },
    });
  });

  it("lists index names, and searches indexes seeded through the options", async () => {
    await start({
      search: {
        indexes: {
          products: {
            documents: [
              { id: "p1", name: "Blue kettle" },
              { id: "p2", name: "Red kettle" },
            ],
          },
          empty: { documents: [] },
        },
      },
    });
    const list = await fetch(`${server?.url}/indexes?api-version=2026-04-01&$select=name`, {
      headers: { "api-key": KEY },
    });
    expect(await list.json()).toEqual({ value: [{ name: "empty" }, { name: "products" }] });
    expect(hitIds((await search({ search: "red" }, { index: "products" })).json)).toEqual(["p2"]);
    expect((await search({ search: "x" })).status).toBe(404);
  });

  it("answers scripted results by rule, matched on index, text and key; reset restores the rules", async () => {
    await start({
      search: {
        rules: [{ match: { search: /^scripted/ }, results: [{ score: 9, document: { id: "s" } }], times: 1 }],
      },
    });
    const hit = { score: 2, rerankerScore: 3.5, document: { id: "k", answer: "by key" } };
    server?.addSearchRule({ match: { key: "app", index: "handbook" }, results: () => [hit] });
    expect((await search({ search: "scripted one" })).json).toEqual({
      value: [{ "@search.score": 9, id: "s" }],
    });
    expect((await search({ search: "scripted two" })).json).toEqual({
      value: [{ "@search.score": 2, "@search.rerankerScore": 3.5, id: "k", answer: "by key" }],
    });
    server?.reset();
    expect(hitIds((await search({ search: "scripted three" })).json)).toEqual(["s"]);
  });

  it("injects faults: a status with retry-after, a huge body, malformed JSON", async () => {
    await start();
    server?.addSearchRule({ fault: { type: "status", status: 503, retryAfterMs: 25 }, times: 1 });
    server?.addSearchRule({ fault: { type: "malformed-json" }, times: 1 });
    server?.addSearchRule({ fault: { type: "huge-body", bytes: 200_000 }, times: 1 });
    const throttled = await fetch(
      `${server?.url}/indexes('handbook')/docs/search.post.search?api-version=1`,
      {
        method: "POST",
        headers: { "api-key": KEY },
        body: "{}",
      },
    );
    expect(throttled.status).toBe(503);
    expect(throttled.headers.get("retry-after-ms")).toBe("25");
    expect(await throttled.json()).toEqual({
      error: { code: "", message: "You are sending too many requests. Please try again later." },
    });
    const malformed = await search({ search: "x" });
    expect(() => JSON.parse(malformed.text)).toThrow();
    const huge = await search({ search: "x" });
    expect(huge.text.length).toBe(200_000);
    expect(server?.requests.map((entry) => entry.fault)).toEqual(["status", "malformed-json", "huge-body"]);
  });

  it("refuses stream faults in search rules, which have no stream", async () => {
    await start();
    expect(() => server?.addSearchRule({ fault: { type: "stream-cut", afterChunks: 1 } as never })).toThrow(
      /search answers are not streamed/,
    );
  });

  it("logs each search with its index, text, query type and key fingerprint, never the key", async () => {
    await start({ keys: [KEY] });
    await search({ search: "quota", queryType: "semantic", semanticConfiguration: "default" });
    expect(server?.requests).toMatchObject([
      {
        route: "search",
        index: "handbook",
        search: "quota",
        queryType: "semantic",
        apiVersion: "2026-04-01",
        auth: "api-key",
        keyFingerprint: fingerprintKey(KEY),
        status: 200,
      },
    ]);
    expect(JSON.stringify(server?.requests)).not.toContain(KEY);
  });
});
