import { createHash } from "node:crypto";
import { AuthenticationError } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  azureOpenAIClient,
  helloMessages,
  modelClient,
  openaiClient,
  testKey,
} from "../test-support/sdk-clients.js";
import { authenticate, fingerprintKey } from "./auth.js";
import { startLlmServer } from "./server.js";
import type { LlmServer } from "./types.js";

const invalidKeyMessage =
  "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";

let server: LlmServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe("fingerprintKey", () => {
  it("is sha256: and the first 12 hex digits of the key's SHA-256", () => {
    const hex = createHash("sha256").update("test-key-123").digest("hex");
    expect(fingerprintKey("test-key-123")).toBe(`sha256:${hex.slice(0, 12)}`);
    expect(fingerprintKey("test-key-124")).not.toBe(fingerprintKey("test-key-123"));
  });
});

describe("authenticate", () => {
  it("reads api-key, Bearer or both, api-key first", () => {
    expect(authenticate({ "api-key": "a" }, undefined)).toMatchObject({ scheme: "api-key", accepted: true });
    expect(authenticate({ authorization: "bearer b" }, undefined)).toMatchObject({
      scheme: "bearer",
      key: "b",
    });
    expect(authenticate({ "api-key": "a", authorization: "Bearer b" }, undefined)).toMatchObject({
      scheme: "both",
      key: "a",
    });
  });

  it("refuses a missing or empty key even when any key is accepted", () => {
    expect(authenticate({}, undefined)).toEqual({ scheme: "none", accepted: false, failure: "missing" });
    expect(authenticate({ authorization: "Bearer " }, undefined)).toMatchObject({ failure: "missing" });
  });

  it("names the key when keys are given as a record", () => {
    expect(authenticate({ "api-key": "k2" }, { first: "k1", second: "k2" })).toMatchObject({
      accepted: true,
      keyName: "second",
      keyFingerprint: fingerprintKey("k2"),
    });
    expect(authenticate({ "api-key": "k3" }, ["k1", "k2"])).toMatchObject({
      accepted: false,
      failure: "invalid",
    });
  });
});

describe("keys through the real SDKs", () => {
  it("gives OpenAI an AuthenticationError with Azure's 401 body for a wrong key", async () => {
    server = await startLlmServer({ keys: [testKey] });
    const wrongKey = "wrong-key-456";
    const error = await openaiClient(server, wrongKey)
      .chat.completions.create({ model: "m", messages: helloMessages })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, error: { code: "401", message: invalidKeyMessage } });
    expect(server.requests[0]).toMatchObject({
      status: 401,
      auth: "bearer",
      keyFingerprint: fingerprintKey(wrongKey),
    });
    expect(JSON.stringify(server.requests)).not.toContain(wrongKey);
  });

  it("gives ModelClient a 401 without the key in the log, though it sends the key twice", async () => {
    server = await startLlmServer({ keys: { prod: "the-right-key" } });
    const response = await modelClient(server, testKey)
      .path("/chat/completions")
      .post({ body: { model: "m", messages: helloMessages } });

    expect(response.status).toBe("401");
    expect(response.body).toEqual({ error: { code: "401", message: invalidKeyMessage } });
    expect(server.requests[0]).toMatchObject({ auth: "both", status: 401 });
    expect(server.requests[0]?.keyName).toBeUndefined();
    expect(JSON.stringify(server.requests)).not.toContain(testKey);
    expect(JSON.stringify(server.requests)).not.toContain("the-right-key");
  });

  it("refuses a request without any key", async () => {
    server = await startLlmServer();
    const response = await fetch(server.url + "/v1/chat/completions", { method: "POST", body: "{}" });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "401" } });
    expect(server.requests[0]).toMatchObject({ auth: "none", status: 401 });
  });

  it("accepts a named key and logs its name, never the key", async () => {
    server = await startLlmServer({ keys: { "team-a": "key-aaaaaaaa", "team-b": testKey } });
    await azureOpenAIClient(server).chat.completions.create({ model: "m", messages: helloMessages });
    await openaiClient(server, "key-aaaaaaaa").chat.completions.create({
      model: "m",
      messages: helloMessages,
    });

    expect(server.requests.map((entry) => [entry.keyName, entry.status])).toEqual([
      ["team-b", 200],
      ["team-a", 200],
    ]);
    const log = JSON.stringify(server.requests);
    expect(log).not.toContain(testKey);
    expect(log).not.toContain("key-aaaaaaaa");
  });

  it("accepts any non-empty key when none were given", async () => {
    server = await startLlmServer({ keys: [] });
    const completion = await openaiClient(server, "anything").chat.completions.create({
      model: "m",
      messages: helloMessages,
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(server.requests[0]?.keyFingerprint).toBe(fingerprintKey("anything"));
  });
});
