/**
 * W5's chat completions in a loop, for instruction counts on a busy machine (see README, "A/B on a
 * busy machine"): `weft mock-llm` in a process of its own (valgrind does not follow it), 300
 * warm-up requests (or the fourth argument), then `requests` more, 16 at a time (or the third
 * argument), by one caller:
 *
 * - `weft-openai`, `weft-foundry`: a one-node chat-completion flow through the engine;
 * - `direct-openai`, `direct-foundry`: the SDK in a plain loop with a signal and a timeout per
 *   request, as W5's "direct + signal".
 *
 *     valgrind --tool=callgrind --callgrind-out-file=/dev/null node dist/probe-w5.js weft-openai 800
 *
 * The count at 800 less the count at 400, divided by 400, is the cost of one request. That window
 * is mostly V8 compiling: for the steady state, warm up longer (the fourth argument) and count
 * only the measured requests, with valgrind's instrumentation off until then
 * (`WEFT_PROBE_CALLGRIND=1` makes the probe turn it on and off with `callgrind_control`):
 *
 *     WEFT_PROBE_CALLGRIND=1 valgrind --tool=callgrind --instr-atstart=no \
 *       --callgrind-out-file=/dev/null node --single-threaded dist/probe-w5.js weft-foundry 2000 16 3000
 *
 * "Collected" divided by the requests is then the cost of one request.
 */
import { execFileSync } from "node:child_process";
import { AzureKeyCredential } from "@azure/core-auth";
import ModelClient, { isUnexpected } from "@azure-rest/ai-inference";
import { createEngine, InMemoryConnectionProvider, Secret } from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import OpenAI from "openai";
import { runPool } from "./measure.js";
import { startMockLlmProcess } from "./mock-llm-process.js";

const mode = process.argv[2] ?? "weft-openai";
const requests = Number(process.argv[3] ?? 400);
/** Requests in flight: 16 as W5; 1 makes counts repeat better (no batches that depend on timing). */
const atOnce = Number(process.argv[4] ?? 16);
/** Requests before the measured ones (V8 compiles the hot paths meanwhile). */
const warmUp = Number(process.argv[5] ?? 300);
/** Under `valgrind --tool=callgrind --instr-atstart=no`: count only the measured requests. */
const toggleCallgrind = process.env.WEFT_PROBE_CALLGRIND === "1";
const key = "test-key-bench";
const model = "gpt-4o-mini";
const messages = [
  { role: "system" as const, content: "Answer briefly." },
  { role: "user" as const, content: "What is a DAG?" },
];

function weftCaller(url: string, connection: string): () => Promise<void> {
  const engine = createEngine({
    nodeTypes: builtinNodeTypes,
    connectionKinds: builtinConnectionKinds,
    connections: new InMemoryConnectionProvider({
      "bench-openai": { type: "openai", apiKey: new Secret(key), baseUrl: `${url}/v1` },
      "bench-foundry": { type: "azure-ai", apiKey: new Secret(key), endpoint: `${url}/models` },
    }),
  });
  const compiled = engine.compile({
    name: "bench-chat",
    nodes: [{ id: "answer", type: "chat-completion", connection, inputs: { model, messages } }],
  });
  return async () => {
    const result = await engine.run(compiled).result;
    if (result.status !== "succeeded") throw new Error(`run ${result.status}: ${result.error?.message}`);
  };
}

function directCaller(url: string, sdk: "openai" | "foundry"): () => Promise<void> {
  const timeout = 600_000;
  if (sdk === "openai") {
    const openai = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    return async () => {
      await openai.chat.completions.create(
        { model, messages },
        { signal: new AbortController().signal, timeout },
      );
    };
  }
  const foundry = ModelClient(`${url}/models`, new AzureKeyCredential(key), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  return async () => {
    const response = await foundry
      .path("/chat/completions")
      .post({ body: { model, messages }, abortSignal: new AbortController().signal, timeout });
    if (isUnexpected(response)) throw new Error(`status ${response.status}: ${response.body.error.message}`);
  };
}

/** Turns callgrind's instrumentation of this process on or off (valgrind runs in the process). */
function instrument(state: "on" | "off"): void {
  execFileSync("callgrind_control", ["-i", state, String(process.pid)], { stdio: "ignore" });
}

const server = await startMockLlmProcess(key, 0);
try {
  const call =
    mode === "weft-openai"
      ? weftCaller(server.url, "bench-openai")
      : mode === "weft-foundry"
        ? weftCaller(server.url, "bench-foundry")
        : mode === "direct-openai"
          ? directCaller(server.url, "openai")
          : mode === "direct-foundry"
            ? directCaller(server.url, "foundry")
            : undefined;
  if (!call)
    throw new Error(
      `Expected a mode of weft-openai, weft-foundry, direct-openai or direct-foundry, got ${mode}`,
    );
  await runPool(warmUp, atOnce, call);
  if (toggleCallgrind) instrument("on");
  const cpu = process.cpuUsage();
  await runPool(requests, atOnce, call);
  const used = process.cpuUsage(cpu);
  if (toggleCallgrind) instrument("off");
  console.log(
    JSON.stringify({
      mode,
      requests,
      cpuMicrosecondsPerRequest: Number(((used.user + used.system) / requests).toFixed(1)),
    }),
  );
} finally {
  server.close();
}
