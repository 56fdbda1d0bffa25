/**
 * The Content Safety wire, recorded from the real client (through the code content-safety-text
 * uses) into test/wire-fixtures/content-safety-*.json, and replayed at the offline server: it must
 * accept exactly those requests and answer in the same shape. A client that sends something else
 * than recorded fails here; to record anew (after an SDK upgrade):
 * `WEFT_RECORD_WIRE=1 npx vitest run test/wire-content-safety.test.ts && npx biome format --write test/wire-fixtures`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fingerprintKey, startLlmServer } from "@weft/testing";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";
import { RECORDING_KEY, recordContentSafetyWire, type WireFixture } from "./support/content-safety-wire.js";

const FIXTURES = join(ROOT, "test", "wire-fixtures");
const sdkVersion = (
  createRequire(join(ROOT, "packages", "nodes", "package.json"))(
    "@azure-rest/ai-content-safety/package.json",
  ) as {
    version: string;
  }
).version;

const fixtureFile = (name: string) => join(FIXTURES, `${name}.json`);
const readFixture = (name: string) => JSON.parse(readFileSync(fixtureFile(name), "utf8")) as WireFixture;

describe("the Content Safety wire", () => {
  it("is what the committed fixtures say the real client sends", async () => {
    const recorded = await recordContentSafetyWire(sdkVersion);
    if (process.env.WEFT_RECORD_WIRE === "1") {
      for (const fixture of recorded)
        writeFileSync(fixtureFile(fixture.case), `${JSON.stringify(fixture, null, 2)}\n`);
    }
    for (const fixture of recorded) {
      expect(fixture.request, fixture.case).toEqual(readFixture(fixture.case).request);
      expect(JSON.stringify(fixture)).not.toContain(RECORDING_KEY);
    }
    expect(readFixture("content-safety-analyze-text").request).toMatchObject({
      method: "POST",
      path: "/contentsafety/text:analyze",
      query: { "api-version": "2023-10-01" },
      headers: { "ocp-apim-subscription-key": "<key>", "content-type": "application/json" },
    });
  });

  it.each([
    "content-safety-analyze-text",
    "content-safety-list-blocklists",
    "content-safety-analyze-text-401",
  ])("is accepted by the offline server as recorded: %s", async (name) => {
    const fixture = readFixture(name);
    const wrongKey = name.endsWith("-401");
    const key = "test-key-replay-3c1d";
    const server = await startLlmServer({
      keys: { replay: key },
      contentSafety: { blocklists: { "banned-words": ["frobnicate"] } },
    });
    try {
      const { request } = fixture;
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([header, value]) => [
          header,
          value === "<key>" ? (wrongKey ? "test-key-wrong-0000" : key) : value,
        ]),
      );
      const response = await fetch(`${server.url}${request.path}?${new URLSearchParams(request.query)}`, {
        method: request.method,
        headers,
        ...(request.body === null ? {} : { body: JSON.stringify(request.body) }),
      });
      const body = await response.json();
      expect(response.status).toBe(fixture.response.status);
      expect(shapeOf(body)).toEqual(shapeOf(fixture.response.body));
      expect(server.requests).toMatchObject([
        wrongKey ? { status: 401 } : { status: 200, keyName: "replay", keyFingerprint: fingerprintKey(key) },
      ]);
      if (name === "content-safety-analyze-text") expect(body).toEqual(fixture.response.body);
    } finally {
      await server.close();
    }
  });
});

/** Keys and value types, recursively: what two answers of the same shape share. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, shapeOf(item)]),
    );
  }
  return typeof value;
}
