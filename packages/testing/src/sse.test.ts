import { describe, expect, it } from "vitest";
import { buildStreamEvents, splitReply } from "./sse.js";
import type { ChatRequestInfo } from "./types.js";

describe("splitReply", () => {
  it("cuts words with the whitespace before them and loses nothing", () => {
    expect(splitReply("Hello from  the\nmock. ")).toEqual(["Hello", " from", "  the", "\nmock. "]);
    for (const reply of ["", "  ", "one", ' {"reply": "x"}\n'])
      expect(splitReply(reply).join("")).toBe(reply);
  });
});

describe("buildStreamEvents", () => {
  const request: ChatRequestInfo = {
    route: "foundry-models",
    modelOrDeployment: "phi-4",
    model: "phi-4",
    messages: [{ role: "user", content: "Hi there" }],
    lastUserMessage: "Hi there",
    stream: true,
    includeUsage: true,
    body: {},
  };

  it("follows the recorded chunk shapes, field order included", () => {
    const events = buildStreamEvents(request, "Hi back");
    expect(events).toHaveLength(5);
    expect(events[0]).toMatch(
      /^\{"id":"chatcmpl-[0-9a-f]{24}","object":"chat.completion.chunk","created":1732000000,"model":"phi-4","system_fingerprint":"fp_offline","choices":\[\{"index":0,"delta":\{"role":"assistant","content":""\},"logprobs":null,"finish_reason":null\}\],"usage":null\}$/,
    );
    expect(JSON.parse(events[3]!).choices).toEqual([
      { index: 0, delta: {}, logprobs: null, finish_reason: "stop" },
    ]);
    expect(JSON.parse(events[4]!)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
    });
  });
});
