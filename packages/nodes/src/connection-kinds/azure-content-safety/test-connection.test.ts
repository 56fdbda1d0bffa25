import { Secret } from "@weft/engine";
import { fingerprintKey } from "@weft/testing";
import { describe, expect, it } from "vitest";
import { KEYS, serverHost, useLlmServer } from "../../../test-support/offline-engine.js";
import { azureContentSafetyConnectionKind } from "./azure-content-safety.js";

const server = useLlmServer({ contentSafety: { blocklists: { "banned-words": ["xyzzy"] } } });

const test = (apiKey: string, extra: Record<string, unknown> = {}, options = {}) =>
  azureContentSafetyConnectionKind.test!(
    { type: "azure-content-safety", endpoint: server().url, apiKey: new Secret(apiKey), ...extra },
    options,
  );

describe("weft connection test on an azure-content-safety connection", () => {
  it("lists the blocklists (no text analysed, nothing billed) and reports ok", async () => {
    expect(await test(KEYS.shared)).toEqual({
      outcome: "ok",
      kind: "azure-content-safety",
      host: serverHost(server()),
    });
    expect(server().requests).toMatchObject([
      {
        method: "GET",
        route: "content-safety-blocklists",
        apiVersion: "2023-10-01",
        keyFingerprint: fingerprintKey(KEYS.shared),
        status: 200,
      },
    ]);
  });

  it("sends the connection's api-version", async () => {
    await test(KEYS.shared, { apiVersion: "2024-09-01" });
    expect(server().requests[0]?.apiVersion).toBe("2024-09-01");
  });

  it("reports a wrong key as auth-failed", async () => {
    expect(await test("wrong-key-0000")).toMatchObject({
      outcome: "auth-failed",
      status: 401,
      message: expect.stringContaining("Access denied due to invalid subscription key"),
    });
  });

  it("reports a closed port as unreachable", async () => {
    const closed = await import("node:net").then(
      ({ createServer }) =>
        new Promise<number>((resolve) => {
          const probe = createServer().listen(0, "127.0.0.1", () => {
            const { port } = probe.address() as { port: number };
            probe.close(() => resolve(port));
          });
        }),
    );
    const refused = await azureContentSafetyConnectionKind.test!(
      {
        type: "azure-content-safety",
        endpoint: `http://127.0.0.1:${closed}`,
        apiKey: new Secret(KEYS.shared),
      },
      {},
    );
    expect(refused).toMatchObject({
      outcome: "unreachable",
      message: expect.stringContaining("ECONNREFUSED"),
    });
  });

  it("reports a server error as failed", async () => {
    const broken = await azureContentSafetyConnectionKind.test!(
      {
        type: "azure-content-safety",
        endpoint: `${server().url}/nothing-here`,
        apiKey: new Secret(KEYS.shared),
      },
      {},
    );
    expect(broken).toMatchObject({ outcome: "failed", status: 404 });
  });
});
