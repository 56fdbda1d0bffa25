import { createServer } from "node:net";
import { Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { KEYS, serverHost, useLlmServer } from "../../../test-support/offline-engine.js";
import { azureAiSearchConnectionKind as kind } from "./azure-ai-search.js";

const server = useLlmServer();
const CANARY = "canary-search-test-2b8f-61ad";

const connection = (endpoint: string, key: string, apiVersion?: string) => ({
  type: "azure-ai-search",
  endpoint,
  apiKey: new Secret(key),
  ...(apiVersion ? { apiVersion } : {}),
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("the azure-ai-search connection kind", () => {
  it("labels a connection with its host and tells connections apart by endpoint", () => {
    const parsed = connection("https://contoso.search.windows.net", KEYS.shared);
    expect(kind.label(parsed)).toBe("contoso.search.windows.net");
    expect(kind.identity(parsed)).toEqual(["https://contoso.search.windows.net"]);
  });

  it("accepts a service endpoint, and loopback http for local servers", () => {
    for (const endpoint of [
      "https://contoso.search.windows.net",
      "https://contoso.search.windows.net/",
      "http://127.0.0.1:4010",
      "http://localhost:4010/",
    ]) {
      expect(kind.checkField?.("endpoint", endpoint), endpoint).toBeUndefined();
    }
  });

  it("refuses other endpoints with what it expected, never quoting a key", () => {
    expect(kind.checkField?.("endpoint", "http://contoso.search.windows.net")).toContain(
      "plain http:// is only allowed for local servers",
    );
    expect(kind.checkField?.("endpoint", "https://contoso.search.windows.net/indexes/docs")).toContain(
      "without a path or query",
    );
    expect(kind.checkField?.("endpoint", "not a url")).toContain(
      "expected https://<service>.search.windows.net",
    );
    for (const endpoint of [
      `https://user:${CANARY}@contoso.search.windows.net`,
      `https://contoso.search.windows.net/?api-key=${CANARY}`,
    ]) {
      const problem = kind.checkField?.("endpoint", endpoint) ?? "";
      expect(problem).toMatch(/keys belong in apiKey/);
      expect(problem).not.toContain(CANARY);
    }
  });

  describe("test (weft connection test)", () => {
    it("lists the service's indexes with the key: ok", async () => {
      const result = await kind.test?.(connection(server().url, KEYS.shared), {});
      expect(result).toEqual({
        outcome: "ok",
        kind: "azure-ai-search",
        host: serverHost(server()),
        message: "1 index(es)",
      });
      expect(server().requests).toMatchObject([
        { method: "GET", path: "/indexes", route: "search-indexes", keyName: "shared", status: 200 },
      ]);
    });

    it("sends the connection's api-version", async () => {
      await kind.test?.(connection(server().url, KEYS.shared, "2024-07-01"), {});
      expect(server().requests[0]?.apiVersion).toBe("2024-07-01");
    });

    it("reports a refused key as auth-failed, never quoting it", async () => {
      const result = await kind.test?.(connection(server().url, CANARY), {});
      expect(result).toMatchObject({ outcome: "auth-failed", status: 403, host: serverHost(server()) });
      expect(result?.message).toContain("a query key cannot list indexes");
      expect(JSON.stringify(result)).not.toContain(CANARY);
    });

    it("reports a service that does not answer as unreachable", async () => {
      const port = await closedPort();
      const result = await kind.test?.(connection(`http://127.0.0.1:${port}`, KEYS.shared), {});
      expect(result).toMatchObject({ outcome: "unreachable", host: `127.0.0.1:${port}` });
      expect(result?.message).toContain("ECONNREFUSED");
    });

    it("reports a service that never answers as unreachable at the test's deadline", async () => {
      const sockets: Array<{ destroy(): void }> = [];
      const silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const { port } = silent.address() as { port: number };
      try {
        const result = await kind.test?.(connection(`http://127.0.0.1:${port}`, KEYS.shared), {
          timeoutMs: 200,
        });
        expect(result).toEqual({
          outcome: "unreachable",
          kind: "azure-ai-search",
          host: `127.0.0.1:${port}`,
          message: `127.0.0.1:${port} did not answer within 200 ms`,
        });
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });
  });
});
