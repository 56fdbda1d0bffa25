import { afterEach, expect, it } from "vitest";
import { helloMessages, openaiClient, testKey, waitUntil } from "../test-support/sdk-clients.js";
import { fingerprintKey } from "./auth.js";
import { serveMockLlm } from "./serve.js";
import type { LlmServer } from "./types.js";

let server: LlmServer | undefined;
afterEach(async () => {
  await server?.close();
});

it("logs one line per request with the key's fingerprint, never the key", async () => {
  const lines: string[] = [];
  server = await serveMockLlm({ keys: [testKey], log: (line) => lines.push(line) });
  await openaiClient(server).chat.completions.create({ model: "m", messages: helloMessages });
  await openaiClient(server, "wrong-key-456")
    .chat.completions.create({ model: "m", messages: helloMessages })
    .catch(() => undefined);
  await waitUntil(() => lines.length === 2);

  expect(lines.map((line) => line.replace(/ \d+ms$/, " <ms>"))).toEqual([
    `POST /v1/chat/completions 200 key=${fingerprintKey(testKey)} <ms>`,
    `POST /v1/chat/completions 401 key=${fingerprintKey("wrong-key-456")} <ms>`,
  ]);
  expect(lines.join("\n")).not.toContain(testKey);
});

it("logs key names and faults", async () => {
  const lines: string[] = [];
  server = await serveMockLlm({
    keys: { staging: testKey },
    rules: [{ fault: { type: "status", status: 429 } }],
    log: (line) => lines.push(line),
  });
  await openaiClient(server)
    .chat.completions.create({ model: "m", messages: helloMessages })
    .catch(() => undefined);
  await waitUntil(() => lines.length === 1);
  expect(lines[0]).toMatch(/^POST \/v1\/chat\/completions 429 key=staging \d+ms fault=status$/);
});
