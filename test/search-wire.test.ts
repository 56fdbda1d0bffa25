import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startLlmServer } from "@weft/testing";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";
import { RECORDING_KEY, recordCase, WIRE_CASES, type WireFixture } from "./support/search-wire.js";

/**
 * The real wire of `@azure/search-documents`, as the index-lookup node and the connection test use
 * it, kept in `test/wire-fixtures/search-*.json`. `WEFT_RECORD_WIRE=1 npx vitest run
 * test/search-wire.test.ts` records them anew (after an SDK update); otherwise a fresh recording
 * must equal the stored one, so a client that starts sending something else fails here first.
 */
const FIXTURES = join(ROOT, "test", "wire-fixtures");
const RECORD = process.env.WEFT_RECORD_WIRE === "1";

function sdkVersion(): string {
  const require = createRequire(join(ROOT, "packages", "nodes", "package.json"));
  const { version } = require("@azure/search-documents/package.json") as { version: string };
  return `@azure/search-documents@${version}`;
}

const fixturePath = (name: string) => join(FIXTURES, `${name}.json`);
const readFixture = (name: string) => JSON.parse(readFileSync(fixturePath(name), "utf8")) as WireFixture;

describe("the recorded Azure AI Search wire", () => {
  it.each(WIRE_CASES.map((wireCase) => [wireCase.name, wireCase] as const))(
    "%s: the client sends what the fixture holds",
    async (name, wireCase) => {
      const recorded = await recordCase(wireCase, sdkVersion());
      expect(JSON.stringify(recorded)).not.toContain(RECORDING_KEY);
      if (RECORD) writeFileSync(fixturePath(name), `${JSON.stringify(recorded, null, 2)}\n`);
      expect(recorded).toEqual(readFixture(name));
    },
  );

  it("the offline server accepts exactly the recorded requests, and refuses the refused key the same way", async () => {
    const KEY = "offline-key-search-9";
    const server = await startLlmServer({ keys: { app: KEY } });
    try {
      for (const { name, answer } of WIRE_CASES) {
        for (const { request, response } of readFixture(name).exchanges) {
          const refused = response.status === 403;
          const url = new URL(`${server.url}${request.path}`);
          for (const [key, value] of Object.entries(request.query)) url.searchParams.set(key, value);
          const headers = { ...request.headers, "api-key": refused ? "a-key-it-does-not-know" : KEY };
          const reply = await fetch(url, {
            method: request.method,
            headers,
            ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
          });
          expect(reply.status, `${name}: ${await reply.clone().text()}`).toBe(answer.status);
          if (reply.status === 200) {
            const body = (await reply.json()) as { value?: unknown };
            expect(Array.isArray(body.value), name).toBe(true);
          }
        }
      }
      expect(server.requests.map((entry) => entry.route)).toEqual(
        WIRE_CASES.map((wireCase) => (wireCase.connectionTest ? "search-indexes" : "search")),
      );
    } finally {
      await server.close();
    }
  });
});
