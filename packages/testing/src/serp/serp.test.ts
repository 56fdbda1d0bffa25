import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintKey } from "../auth.js";
import { serveMockLlm } from "../serve.js";
import { startLlmServer } from "../server.js";
import type { LlmServer } from "../types.js";

const KEY = "serp-key-2c9e71a4";
const OTHER = "serp-key-other-5d03";

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys: { team: KEY, other: OTHER } });
});
afterAll(() => server.close());

/** A search as the `serpapi` client builds it (see test/wire-fixtures/serp-search-google.json). */
function searchUrl(params: Record<string, string>, path = "/search"): string {
  return `${server.url}${path}?${new URLSearchParams({ output: "json", ...params })}`;
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(url);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: response.status, body, text };
}

describe("the offline SerpAPI", () => {
  it("answers a search with deterministic organic results derived from the query", async () => {
    server.reset();
    const params = {
      engine: "google",
      q: "rotate api keys",
      num: "3",
      api_key: KEY,
      location: "Austin, Texas",
      safe: "off",
    };
    const first = await get(searchUrl(params));
    const again = await get(searchUrl(params, "/search.json"));
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body.organic_results).toEqual([
      expect.objectContaining({
        position: 1,
        title: "rotate api keys — offline result 1",
        link: "https://example.com/rotate-api-keys/1",
      }),
      expect.objectContaining({ position: 2 }),
      expect.objectContaining({ position: 3 }),
    ]);
    expect(first.body.search_parameters).toMatchObject({
      engine: "google",
      q: "rotate api keys",
      num: "3",
      safe: "off",
      location_requested: "Austin, Texas",
    });
    expect(first.body.search_metadata).toMatchObject({ status: "Success" });
    expect(server.requests).toMatchObject([
      {
        method: "GET",
        path: "/search",
        route: "serp-search",
        auth: "query",
        keyName: "team",
        keyFingerprint: fingerprintKey(KEY),
        status: 200,
        serp: {
          engine: "google",
          query: "rotate api keys",
          num: 3,
          location: "Austin, Texas",
          safe: "off",
          keyName: "team",
        },
      },
      { path: "/search.json", status: 200 },
    ]);
  });

  it("reads Bing's count and safeSearch, and refuses what SerpAPI refuses", async () => {
    server.reset();
    const bing = await get(
      searchUrl({ engine: "bing", q: "weft", count: "2", safeSearch: "strict", api_key: KEY }),
    );
    expect(bing.body.organic_results).toHaveLength(2);
    expect(bing.body.search_parameters).toMatchObject({ count: "2", safeSearch: "strict" });
    expect(await get(searchUrl({ engine: "yandex", q: "x", api_key: KEY }))).toMatchObject({
      status: 400,
      body: { error: "Unsupported `yandex` search engine." },
    });
    expect(await get(searchUrl({ engine: "google", api_key: KEY }))).toMatchObject({
      status: 400,
      body: { error: "Missing query `q` parameter." },
    });
    expect((await get(searchUrl({ q: "x", num: "0", api_key: KEY }))).status).toBe(400);
  });

  it("checks the key in the query string: SerpAPI's 401, and the log holds fingerprints only", async () => {
    server.reset();
    const wrong = "serp-key-WRONG-0a1b2c3d";
    expect(await get(searchUrl({ q: "x", api_key: wrong }))).toEqual({
      status: 401,
      body: { error: "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key" },
      text: expect.any(String),
    });
    expect((await get(searchUrl({ q: "x" }))).body.error).toMatch(/^Missing API key/);
    expect(server.requests).toMatchObject([
      { status: 401, auth: "query", keyFingerprint: fingerprintKey(wrong) },
      { status: 401, auth: "none" },
    ]);
    const log = JSON.stringify(server.requests);
    expect(log).not.toContain(wrong);
    expect(log).not.toContain("api_key");
  });

  it("answers /account with the key's account, as SerpAPI does", async () => {
    server.reset();
    await get(searchUrl({ q: "one", api_key: OTHER }));
    const account = await get(`${server.url}/account.json?api_key=${OTHER}`);
    expect(account.body).toMatchObject({ api_key: OTHER, this_month_usage: 1, plan_searches_left: 99 });
    expect((await get(`${server.url}/account?api_key=nope-nope-nope`)).status).toBe(401);
    expect(server.requests.map((entry) => entry.route)).toEqual([
      "serp-search",
      "serp-account",
      "serp-account",
    ]);
  });

  it("gives scripted results by rule, and leaves chat rules to chat requests", async () => {
    server.reset();
    server.addRule({ reply: "chat only" });
    server.addRule({
      match: { query: /^weather/, key: "team" },
      results: (search) => [
        { title: `Forecast for ${search.location ?? "nowhere"}`, link: "https://example.com/w" },
      ],
    });
    server.addRule({ match: { engine: "bing" }, results: [] });
    const scripted = await get(searchUrl({ q: "weather today", location: "Oslo", api_key: KEY }));
    expect(scripted.body.organic_results).toEqual([
      { position: 1, title: "Forecast for Oslo", link: "https://example.com/w" },
    ]);
    const other = await get(searchUrl({ q: "weather today", api_key: OTHER }));
    expect(other.body.organic_results).toHaveLength(10);
    const empty = await get(searchUrl({ engine: "bing", q: "nothing", api_key: KEY }));
    expect(empty.body.organic_results).toBeUndefined();
    expect(empty.body.error).toBe("Bing hasn't returned any results for this query.");
  });

  it("injects every fault in SerpAPI's shapes", async () => {
    server.reset();
    const url = searchUrl({ q: "faults", api_key: KEY });
    server.addRule({ fault: { type: "status", status: 429, retryAfter: 2 }, times: 1 });
    const limited = await fetch(url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(await limited.json()).toEqual({ error: "Your account has run out of searches." });
    server.addRule({ fault: { type: "status", status: 500, message: "boom" }, times: 1 });
    expect(await get(url)).toMatchObject({ status: 500, body: { error: "boom" } });
    server.addRule({ fault: { type: "stream-error", afterChunks: 0 }, times: 1 });
    expect((await get(url)).status).toBe(500);
    server.addRule({ fault: { type: "malformed-json" }, times: 1 });
    const malformed = await get(url);
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();
    server.addRule({ fault: { type: "raw-body", status: 502, body: "Bad gateway" }, times: 1 });
    expect(await get(url)).toMatchObject({ status: 502, text: "Bad gateway" });
    server.addRule({ fault: { type: "drop" }, times: 1 });
    await expect(fetch(url)).rejects.toThrow();
    server.addRule({ fault: { type: "stream-cut", afterChunks: 0 }, times: 1 });
    await expect(fetch(url).then((response) => response.text())).rejects.toThrow();
    server.addRule({ fault: { type: "huge-body", bytes: 300_000 }, times: 1 });
    const huge = await get(url);
    expect(huge.text).toHaveLength(300_000);
    expect(huge.body.organic_results).toHaveLength(1);
    server.addRule({ fault: { type: "hang" }, times: 1 });
    await expect(fetch(url, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(server.requests.map((entry) => entry.fault)).toEqual([
      "status",
      "status",
      "stream-error",
      "malformed-json",
      "raw-body",
      "drop",
      "stream-cut",
      "huge-body",
      "hang",
    ]);
  });

  it("logs one line per search for weft mock-llm: the path, never the key", async () => {
    const lines: string[] = [];
    const served = await serveMockLlm({ keys: { team: KEY }, log: (line) => lines.push(line) });
    try {
      await fetch(`${served.url}/search?q=x&api_key=${KEY}`).then((response) => response.text());
      await fetch(`${served.url}/search?q=x&api_key=${OTHER}`).then((response) => response.text());
    } finally {
      await served.close();
    }
    expect(lines).toEqual([
      expect.stringMatching(/^GET \/search 200 key=team \d+ms$/),
      expect.stringMatching(new RegExp(`^GET /search 401 key=${fingerprintKey(OTHER)} \\d+ms$`)),
    ]);
  });
});
