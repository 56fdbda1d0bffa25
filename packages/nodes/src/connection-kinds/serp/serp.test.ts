import { createServer } from "node:net";
import { ConnectionKinds, Secret } from "@weft/engine";
import { startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serpConnectionKind } from "./serp.js";

const KEY = "serp-test-key-4e1d8a";
const kinds = new ConnectionKinds([serpConnectionKind]);
let server: Awaited<ReturnType<typeof startLlmServer>>;
beforeAll(async () => {
  server = await startLlmServer({ keys: { team: KEY } });
});
afterAll(() => server.close());

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const connection = (apiKey: string, baseUrl?: string) =>
  kinds.parse({ type: "serp", apiKey: new Secret(apiKey), ...(baseUrl === undefined ? {} : { baseUrl }) });

describe("the serp connection kind", () => {
  it("labels a connection by its host, SerpAPI's unless baseUrl says otherwise", () => {
    expect(kinds.label(connection(KEY))).toBe("serpapi.com");
    expect(kinds.label(connection(KEY, "http://127.0.0.1:8080/serp/"))).toBe("127.0.0.1:8080");
  });

  it("tells connections apart by base URL and key, without holding the key", () => {
    const identity = kinds.identityKey(connection(KEY));
    expect(identity).not.toContain(KEY);
    expect(kinds.identityKey(connection(KEY))).toBe(identity);
    expect(kinds.identityKey(connection(KEY, "https://serpapi.com/"))).toBe(identity);
    expect(kinds.identityKey(connection("another-serp-key-77"))).not.toBe(identity);
    expect(kinds.identityKey(connection(KEY, "https://proxy.example.com"))).not.toBe(identity);
  });

  it("refuses a base URL with a key, a query or another scheme, never quoting the key", () => {
    for (const [baseUrl, expected] of [
      [`https://serpapi.com/?api_key=${KEY}`, /keys belong in apiKey/],
      ["https://serpapi.com/?engine=google", /without a query or fragment/],
      ["ftp://serpapi.com", /expected an http\(s\) URL/],
      [`https://user:${KEY}@serpapi.com`, /without credentials/],
    ] as const) {
      expect(serpConnectionKind.checkField?.("baseUrl", baseUrl)).toMatch(expected);
      const checked = kinds.check({ type: "serp", apiKey: new Secret(KEY), baseUrl });
      expect(checked.problem).toMatch(/not a valid serp connection \(baseUrl: /);
      expect(JSON.stringify(checked)).not.toContain(KEY);
    }
    expect(serpConnectionKind.checkField?.("baseUrl", "http://127.0.0.1:9/")).toBeUndefined();
  });

  it("tests a connection with the free account call: ok, auth failed, unreachable", async () => {
    server.reset();
    const ok = await serpConnectionKind.test!(connection(KEY, server.url), {});
    expect(ok).toEqual({ outcome: "ok", kind: "serp", host: new URL(server.url).host });
    // The account answer holds the key: none of it is passed on.
    expect(JSON.stringify(ok)).not.toContain(KEY);
    const wrong = await serpConnectionKind.test!(connection("wrong-serp-key-9f", server.url), {});
    expect(wrong).toMatchObject({ outcome: "auth-failed", status: 401 });
    expect(wrong.message).toContain("Invalid API key.");
    const port = await closedPort();
    const unreachable = await serpConnectionKind.test!(connection(KEY, `http://127.0.0.1:${port}`), {});
    expect(unreachable).toMatchObject({ outcome: "unreachable", host: `127.0.0.1:${port}` });
    expect(unreachable.message).toBe(`cannot reach 127.0.0.1:${port}: ECONNREFUSED`);
    expect(server.requests).toMatchObject([
      { route: "serp-account", path: "/account.json", keyName: "team", status: 200 },
      { route: "serp-account", status: 401 },
    ]);
  });

  it("reports a test that does not answer in time as unreachable", async () => {
    server.reset();
    server.addRule({ match: { route: "serp-account" }, fault: { type: "hang" }, times: 1 });
    const result = await serpConnectionKind.test!(connection(KEY, server.url), { timeoutMs: 100 });
    expect(result).toEqual({
      outcome: "unreachable",
      kind: "serp",
      host: new URL(server.url).host,
      message: `${new URL(server.url).host} did not answer within 100 ms`,
    });
    server.addRule({ match: { route: "serp-account" }, fault: { type: "status", status: 503 } });
    expect(await serpConnectionKind.test!(connection(KEY, server.url), {})).toMatchObject({
      outcome: "failed",
      status: 503,
    });
  });

  it("masks the key in what a connection test reports, though nothing in a run scrubs it there", async () => {
    server.reset();
    const url = `${server.url}/account.json?api_key=${KEY}`;
    server.addRule({
      match: { route: "serp-account" },
      fault: { type: "status", status: 401, message: `Invalid API key in ${url}` },
      times: 1,
    });
    server.addRule({
      match: { route: "serp-account" },
      fault: { type: "raw-body", status: 500, body: `key=${encodeURIComponent(KEY)} failed` },
      times: 1,
    });
    const refused = await serpConnectionKind.test!(connection(KEY, server.url), {});
    expect(refused).toMatchObject({ outcome: "auth-failed", status: 401 });
    expect(refused.message).toContain("account.json?api_key=***");
    const failed = await serpConnectionKind.test!(connection(KEY, server.url), {});
    expect(failed).toMatchObject({ outcome: "failed", status: 500 });
    expect(failed.message).toContain("key=*** failed");
    for (const result of [refused, failed]) {
      expect(JSON.stringify(result)).not.toContain(KEY);
      expect(JSON.stringify(result)).not.toContain(KEY.slice(0, 10));
    }
  });
});
