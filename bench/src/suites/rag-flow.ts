import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ChildConnection } from "../child-process.js";
import { failureOutcome, type Unmeasured } from "../compare.js";
import { runPool, summarize } from "../measure.js";
import { startMockLlmProcess } from "../mock-llm-process.js";
import { repoRoot } from "../paths.js";
import type { Section } from "../results.js";
import type { SuiteContext } from "./suite.js";

const key = "test-key-bench-rag";
/** Every request (embeddings, search, chat) answers after this long; this many runs at once. */
const latencyMs = 100;
const runsAtOnce = 16;
/** The flow's calls, one after another: embeddings → index-lookup → chat-completion. */
const callsPerRun = 3;

const plan = (quick: boolean) =>
  quick ? { runsPerSample: 64, samples: 2 } : { runsPerSample: 160, samples: 5 };

type RagFlowResult =
  | { status: "ok"; runsPerSecond: number[]; runsPerSecondAtOnce: number; promptTokens: number }
  | Unmeasured;

/**
 * Runs in a process of its own: examples/rag as written, its static connections pointing at
 * `weft mock-llm` (a process of its own too), `runsAtOnce` runs at a time from a plain pool.
 */
export async function serveRagFlowChild(quick: boolean): Promise<void> {
  process.send!(await measureHere(quick));
  process.disconnect();
}

async function measureHere(quick: boolean): Promise<RagFlowResult> {
  const { runsPerSample, samples } = plan(quick);
  const slow = await startMockLlmProcess(key, latencyMs);
  const fast = await startMockLlmProcess(key, 0);
  try {
    const { createEngine, InMemoryConnectionProvider, Secret } = await import("@weft/engine");
    const { builtinConnectionKinds, builtinNodeTypes } = await import("@weft/nodes");
    const text = readFileSync(join(repoRoot, "examples/rag/rag.flow.json"), "utf8");
    const engineAt = (url: string) =>
      createEngine({
        nodeTypes: builtinNodeTypes,
        connectionKinds: builtinConnectionKinds,
        connections: new InMemoryConnectionProvider({
          "shared-foundry": { type: "azure-ai", endpoint: `${url}/models`, apiKey: new Secret(key) },
          "docs-search": { type: "azure-ai-search", endpoint: url, apiKey: new Secret(key) },
        }),
      });
    let promptTokens = 0;
    const runMany = async (url: string, count: number) => {
      const engine = engineAt(url);
      const flow = engine.compile(text);
      const start = performance.now();
      await runPool(count, runsAtOnce, async (index) => {
        const result = await engine.run(flow, {
          inputs: { question: `How often should we rotate keys? (${index})` },
        }).result;
        if (result.status !== "succeeded") throw new Error(`run ${result.status}: ${result.error?.message}`);
        // The passages reached the prompt: the answer's prompt is far longer than the question.
        promptTokens = result.nodes.answer?.usage?.promptTokens ?? 0;
        if (promptTokens < 40) throw new Error(`the answer's prompt has ${promptTokens} tokens: no passages`);
      });
      return count / ((performance.now() - start) / 1000);
    };
    // Warm-up: sockets, JIT.
    await runMany(slow.url, runsAtOnce * 2);
    const runsPerSecond: number[] = [];
    for (let sample = 0; sample < samples; sample++)
      runsPerSecond.push(await runMany(slow.url, runsPerSample));
    const runsPerSecondAtOnce = await runMany(fast.url, runsPerSample * 2);
    return { status: "ok", runsPerSecond, runsPerSecondAtOnce, promptTokens };
  } catch (error) {
    return failureOutcome(error);
  } finally {
    slow.close();
    fast.close();
  }
}

/** W10: the RAG example over HTTP to the offline server: runs/s ÷ the ideal for its latency. */
export async function measureRagFlow({ quick, progress }: SuiteContext): Promise<Section> {
  progress(`W10 RAG flow: ${runsAtOnce} runs at once, ${callsPerRun} calls a run at ${latencyMs} ms each`);
  const child = new ChildConnection<RagFlowResult>(["rag-flow", ...(quick ? ["--quick"] : [])]);
  const result = await child.next().catch(failureOutcome);
  child.close();
  const ideal = (runsAtOnce * 1000) / (callsPerRun * latencyMs);
  const section: Section = {
    id: "W10",
    title: `examples/rag (embeddings → index-lookup hybrid → chat-completion) over HTTP to weft mock-llm, ${runsAtOnce} runs at once, ${latencyMs} ms an answer`,
    metric: "runs/s",
    ratioColumns: ["÷ ideal"],
    detailColumns: ["runs/s, no delay", "prompt tokens"],
    rows: [],
    notes: [
      `ideal: ${runsAtOnce} runs ÷ (${callsPerRun} calls × ${latencyMs} ms) = ${ideal.toFixed(1)} runs/s; target ≥ 0.95`,
      "the real clients (ModelClient, SearchClient) over loopback to the offline server in a process of its own",
    ],
  };
  if (result.status !== "ok") {
    section.rows.push({ case: "rag", adapter: "weft", status: result.status, reason: result.reason });
    return section;
  }
  const value = summarize(result.runsPerSecond);
  section.rows.push({
    case: `${runsAtOnce} at once`,
    adapter: "weft",
    status: "ok",
    value,
    ratios: { "÷ ideal": value.median / ideal },
    details: {
      "runs/s, no delay": result.runsPerSecondAtOnce.toFixed(0),
      "prompt tokens": String(result.promptTokens),
    },
  });
  return section;
}
