import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyze, contentSafetyClient } from "../../test-support/content-safety-client.js";
import { waitUntil } from "../../test-support/sdk-clients.js";
import { fingerprintKey } from "../auth.js";
import { startLlmServer } from "../server.js";
import type { LlmServer } from "../types.js";

const KEY = "cs-key-3b7e91d0";
let server: LlmServer;

beforeAll(async () => {
  server = await startLlmServer({
    keys: { moderation: KEY },
    contentSafety: { blocklists: { "banned-words": ["Frobnicate", "xyzzy"], empty: [] } },
  });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe("Content Safety text:analyze through the real client", () => {
  it("answers deterministic severities from marker words, all four categories by default", async () => {
    const answer = await analyze(server, KEY, { text: "calm words, then hate:5 and violence:2 and hate:3" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      blocklistsMatch: [],
      categoriesAnalysis: [
        { category: "Hate", severity: 4 },
        { category: "SelfHarm", severity: 0 },
        { category: "Sexual", severity: 0 },
        { category: "Violence", severity: 2 },
      ],
    });
    expect(server.requests).toMatchObject([
      {
        method: "POST",
        path: "/contentsafety/text:analyze",
        route: "content-safety-analyze-text",
        apiVersion: "2023-10-01",
        auth: "subscription-key",
        keyName: "moderation",
        keyFingerprint: fingerprintKey(KEY),
        status: 200,
        contentSafety: {
          text: "calm words, then hate:5 and violence:2 and hate:3",
          categories: ["Hate", "SelfHarm", "Sexual", "Violence"],
          blocklistNames: [],
          outputType: "FourSeverityLevels",
        },
      },
    ]);
  });

  it("answers only the categories asked for, on the eight-level scale when asked", async () => {
    const answer = await analyze(server, KEY, {
      text: "self-harm:7 sexual:3 selfharm:1",
      categories: ["Sexual", "SelfHarm"],
      outputType: "EightSeverityLevels",
    });
    expect(answer.body).toEqual({
      blocklistsMatch: [],
      categoriesAnalysis: [
        { category: "SelfHarm", severity: 7 },
        { category: "Sexual", severity: 3 },
      ],
    });
  });

  it("matches blocklist terms case-insensitively, and halts the analysis on a hit when asked", async () => {
    const matched = await analyze(server, KEY, {
      text: "please FROBNICATE it, hate:6",
      blocklistNames: ["banned-words", "empty"],
    });
    expect(matched.body).toMatchObject({
      blocklistsMatch: [
        {
          blocklistName: "banned-words",
          blocklistItemText: "Frobnicate",
          blocklistItemId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
      ],
      categoriesAnalysis: expect.arrayContaining([{ category: "Hate", severity: 6 }]),
    });
    const halted = await analyze(server, KEY, {
      text: "xyzzy hate:6",
      blocklistNames: ["banned-words"],
      haltOnBlocklistHit: true,
    });
    expect(halted.body).toMatchObject({
      blocklistsMatch: [{ blocklistItemText: "xyzzy" }],
      categoriesAnalysis: [],
    });
  });

  it("refuses an unknown blocklist, an empty or too long text and a bad field as the service does", async () => {
    const unknown = await analyze(server, KEY, { text: "hi", blocklistNames: ["nope"] });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "ResourceNotFound" } } });
    const empty = await analyze(server, KEY, { text: " " });
    expect(empty).toMatchObject({ status: 400, body: { error: { code: "InvalidRequestBody" } } });
    const long = await analyze(server, KEY, { text: "é".repeat(10_001) });
    expect(long).toMatchObject({ status: 400, body: { error: { code: "InvalidRequestBody" } } });
    expect((await analyze(server, KEY, { text: "é".repeat(10_000) })).status).toBe(200);
    const badCategory = await analyze(server, KEY, { text: "hi", categories: ["Rudeness"] });
    expect(badCategory).toMatchObject({ status: 400, body: { error: { code: "InvalidRequestBody" } } });
  });

  it("answers a wrong key with Azure's 401 body and logs only the fingerprint", async () => {
    const wrong = await analyze(server, "wrong-key-5d1c", { text: "hi" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      error: {
        code: "401",
        message: expect.stringMatching(/^Access denied due to invalid subscription key/),
      },
    });
    expect(server.requests[0]).toMatchObject({
      status: 401,
      keyFingerprint: fingerprintKey("wrong-key-5d1c"),
    });
    expect(server.requests[0]?.keyName).toBeUndefined();
    expect(JSON.stringify(server.requests)).not.toContain("wrong-key-5d1c");
  });

  it("takes the key only from Ocp-Apim-Subscription-Key", async () => {
    const response = await fetch(`${server.url}/contentsafety/text:analyze?api-version=2023-10-01`, {
      method: "POST",
      headers: { "api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ text: "hi" }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { message: expect.stringContaining("missing subscription key") },
    });
    expect(server.requests[0]?.auth).toBe("none");
  });

  it("answers without api-version as an unknown resource", async () => {
    const response = await fetch(`${server.url}/contentsafety/text:analyze`, {
      method: "POST",
      headers: { "ocp-apim-subscription-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ text: "hi" }),
    });
    expect(response.status).toBe(404);
  });

  it("lists the blocklists (the cheapest authenticated call)", async () => {
    const response = await contentSafetyClient(server, KEY).path("/text/blocklists").get();
    expect(response.status).toBe("200");
    expect(response.body).toEqual({
      value: [
        { blocklistName: "banned-words", description: "" },
        { blocklistName: "empty", description: "" },
      ],
    });
    expect(server.requests[0]).toMatchObject({ route: "content-safety-blocklists", keyName: "moderation" });
  });
});

describe("Content Safety rules and faults", () => {
  it("scripts analyses by text, blocklist and key, and spends rules with times", async () => {
    server.addContentSafetyRule({
      match: { text: /scripted/, key: "moderation" },
      analysis: (request) => ({
        blocklistsMatch: [],
        categoriesAnalysis: request.categories.map((category) => ({ category, severity: 6 })),
      }),
      times: 1,
    });
    const first = await analyze(server, KEY, { text: "scripted", categories: ["Hate"] });
    expect(first.body).toEqual({
      blocklistsMatch: [],
      categoriesAnalysis: [{ category: "Hate", severity: 6 }],
    });
    const second = await analyze(server, KEY, { text: "scripted", categories: ["Hate"] });
    expect(second.body).toEqual({
      blocklistsMatch: [],
      categoriesAnalysis: [{ category: "Hate", severity: 0 }],
    });
  });

  it.each([
    [429, "TooManyRequests"],
    [500, "InternalError"],
    [503, "ServerBusy"],
    [400, "InvalidRequestBody"],
  ])("answers an injected %i with Content Safety's body and the retry headers", async (status, code) => {
    server.addContentSafetyRule({ fault: { type: "status", status, retryAfterMs: 250, retryAfter: 1 } });
    const answer = await analyze(server, KEY, { text: "hi" });
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: { code, message: expect.any(String) } });
    expect(answer.headers["retry-after-ms"]).toBe("250");
    expect(answer.headers["retry-after"]).toBe("1");
    expect(server.requests[0]).toMatchObject({ status, fault: "status" });
  });

  it("drops the socket, hangs until the client gives up, sends malformed JSON and raw bodies", async () => {
    server.addContentSafetyRule({ fault: { type: "drop" }, times: 1 });
    await expect(analyze(server, KEY, { text: "hi" })).rejects.toMatchObject({
      name: "RestError",
      code: "ECONNRESET",
    });

    server.addContentSafetyRule({ fault: { type: "hang" }, times: 1 });
    const controller = new AbortController();
    const hanging = analyze(server, KEY, { text: "hi" }, { abortSignal: controller.signal });
    await waitUntil(() => server.requests.length === 2, { what: "the hanging request" });
    controller.abort();
    await expect(hanging).rejects.toMatchObject({ name: "AbortError" });
    await waitUntil(() => server.requests[1]?.durationMs !== 0, { what: "the server to see the client go" });
    expect(server.requests[1]).toMatchObject({ status: 0, fault: "hang" });

    server.addContentSafetyRule({ fault: { type: "malformed-json" }, times: 1 });
    await expect(analyze(server, KEY, { text: "hi" })).rejects.toMatchObject({
      name: "RestError",
      code: "PARSE_ERROR",
    });

    server.addContentSafetyRule({
      fault: { type: "raw-body", status: 502, body: "<html>Bad gateway</html>", contentType: "text/html" },
      times: 1,
    });
    expect(await analyze(server, KEY, { text: "hi" })).toMatchObject({
      status: 502,
      body: "<html>Bad gateway</html>",
    });
  });

  it("sends a huge analysis or error body piece by piece", async () => {
    server.addContentSafetyRule({ fault: { type: "huge-body", bytes: 300_000 }, times: 1 });
    const huge = await analyze(server, KEY, { text: "hi" });
    expect(huge.status).toBe(200);
    const text = (huge.body as { blocklistsMatch: Array<{ blocklistItemText: string }> }).blocklistsMatch[0]
      ?.blocklistItemText;
    expect(text?.length).toBeGreaterThan(299_000);
    expect(server.requests[0]?.bodyBytesSent).toBe(300_000);

    server.addContentSafetyRule({
      fault: { type: "huge-body", bytes: 100_000, status: 500, declareLength: true },
    });
    const error = await analyze(server, KEY, { text: "hi" });
    expect(error.status).toBe(500);
    expect(error.body).toMatchObject({ error: { code: "huge_body" } });
  });

  it("refuses rules it cannot apply", () => {
    expect(() =>
      server.addContentSafetyRule({ fault: { type: "stream-cut", afterChunks: 1 } as never }),
    ).toThrow(/the service does not stream/);
    expect(() =>
      server.addContentSafetyRule({
        fault: { type: "drop" },
        analysis: { blocklistsMatch: [], categoriesAnalysis: [] },
      }),
    ).toThrow(/either `analysis` or `fault`/);
  });
});
