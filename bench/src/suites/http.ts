import { spawn } from "node:child_process";
import { join } from "node:path";
import { AzureKeyCredential } from "@azure/core-auth";
import ModelClient, { isUnexpected } from "@azure-rest/ai-inference";
import OpenAI from "openai";
import { reasonOf } from "../compare.js";
import { runPool, summarize, timeMs } from "../measure.js";
import { repoRoot } from "../paths.js";
import type { Row, Section } from "../results.js";
import type { SuiteContext } from "./suite.js";

const key = "test-key-bench";
const model = "gpt-4o-mini";
const messages = [
  { role: "system" as const, content: "Answer briefly." },
  { role: "user" as const, content: "What is a DAG?" },
];
const requestsAtOnce = 16;

/** One way of sending chat completions: `call()` sends one and rejects unless it succeeded. */
interface Caller {
  adapter: string;
  call?: () => Promise<void>;
  /** Why this caller cannot run, when `call` is absent. */
  pending?: string;
}

interface SdkCase {
  name: string;
  direct: Caller;
  /** The same loop passing a cancellation signal and a timeout per request, as Weft must. */
  guarded: Caller;
  weft: Caller;
}

/** The chat-completion flow Weft runs, one node on a static connection. */
function chatFlow(connection: string) {
  return {
    name: "bench-chat",
    nodes: [{ id: "answer", type: "chat-completion", connection, inputs: { model, messages } }],
  };
}

/** Engines for both connections, or why Weft's side cannot run yet. */
async function createWeftCallers(url: string): Promise<{ openai: Caller; foundry: Caller }> {
  try {
    const { createEngine, InMemoryConnectionProvider, Secret } = await import("@weft/engine");
    const { builtinConnectionKinds, builtinNodeTypes } = await import("@weft/nodes");
    const connections = new InMemoryConnectionProvider({
      "bench-openai": { type: "openai", apiKey: new Secret(key), baseUrl: `${url}/v1` },
      "bench-foundry": { type: "azure-ai", apiKey: new Secret(key), endpoint: `${url}/models` },
    });
    const engine = createEngine({
      nodeTypes: builtinNodeTypes,
      connectionKinds: builtinConnectionKinds,
      connections,
    });
    const caller = (connection: string): Caller => {
      try {
        const compiled = engine.compile(chatFlow(connection));
        return {
          adapter: "weft",
          call: async () => {
            const result = await engine.run(compiled).result;
            if (result.status !== "succeeded") {
              throw new Error(
                `run ${result.status}: ${result.error?.message ?? JSON.stringify(result.nodes)}`,
              );
            }
          },
        };
      } catch (error) {
        return { adapter: "weft", pending: reasonOf(error) };
      }
    };
    return { openai: caller("bench-openai"), foundry: caller("bench-foundry") };
  } catch (error) {
    const pending = reasonOf(error);
    return { openai: { adapter: "weft", pending }, foundry: { adapter: "weft", pending } };
  }
}

/**
 * The same calls straight through each SDK, configured as Weft configures it (no SDK retries).
 * `guarded` also passes what a run needs for cancellation: an AbortSignal and a per-request
 * timeout. ModelClient's pipeline spends measurably more per request when given a signal.
 */
function createDirectCallers(url: string): {
  openai: Caller;
  foundry: Caller;
  openaiGuarded: Caller;
  foundryGuarded: Caller;
} {
  const openai = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
  const foundry = ModelClient(`${url}/models`, new AzureKeyCredential(key), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  const timeout = 600_000;
  return {
    openaiGuarded: {
      adapter: "direct + signal",
      call: async () => {
        await openai.chat.completions.create(
          { model, messages },
          { signal: new AbortController().signal, timeout },
        );
      },
    },
    foundryGuarded: {
      adapter: "direct + signal",
      call: async () => {
        const response = await foundry
          .path("/chat/completions")
          .post({ body: { model, messages }, abortSignal: new AbortController().signal, timeout });
        if (isUnexpected(response))
          throw new Error(`status ${response.status}: ${response.body.error.message}`);
      },
    },
    openai: {
      adapter: "direct",
      call: async () => {
        await openai.chat.completions.create({ model, messages });
      },
    },
    foundry: {
      adapter: "direct",
      call: async () => {
        const response = await foundry.path("/chat/completions").post({ body: { model, messages } });
        if (isUnexpected(response))
          throw new Error(`status ${response.status}: ${response.body.error.message}`);
      },
    },
  };
}

/**
 * W5: chat completions over loopback HTTP to `@weft/testing`'s offline server, through Weft and
 * through each SDK in a plain loop, 16 requests at a time either way. Samples alternate between
 * the two so both see the same machine.
 */
export async function measureHttp({ quick, progress }: SuiteContext): Promise<Section> {
  const section: Section = {
    id: "W5",
    title: `real HTTP: chat completions to the offline server on loopback, ${requestsAtOnce} at a time`,
    metric: "requests/s",
    ratioColumns: ["weft ÷ direct", "weft ÷ direct + signal"],
    detailColumns: [],
    rows: [],
    notes: [
      "the server is `weft mock-llm` in a process of its own",
      "direct + signal: the same loop passing an AbortSignal and a timeout per request, which Weft passes so that cancelled and timed-out runs close their sockets",
    ],
  };
  let server: { url: string; close: () => void };
  try {
    server = await startServerProcess();
  } catch (error) {
    section.rows.push({ case: "all", adapter: "weft", status: "n/a", reason: reasonOf(error) });
    return section;
  }
  try {
    const direct = createDirectCallers(server.url);
    const weft = await createWeftCallers(server.url);
    const cases: SdkCase[] = [
      { name: "openai SDK, /v1", direct: direct.openai, guarded: direct.openaiGuarded, weft: weft.openai },
      {
        name: "ModelClient, /models",
        direct: direct.foundry,
        guarded: direct.foundryGuarded,
        weft: weft.foundry,
      },
    ];
    const [requests, rounds] = quick ? [150, 5] : [400, 9];
    for (const { name, direct: directCaller, guarded: guardedCaller, weft: weftCaller } of cases) {
      const callers = [directCaller, guardedCaller, weftCaller];
      const throughputs = new Map<Caller, number[]>(callers.map((caller) => [caller, []]));
      const failures = new Map<Caller, string>();
      for (let sample = 0; sample <= rounds; sample++) {
        progress(`W5 ${name} ${sample}/${rounds}`);
        for (const caller of callers) {
          if (!caller.call || failures.has(caller)) continue;
          const call = caller.call;
          try {
            // Sample 0 is a warm-up: sockets, JIT.
            const count = sample === 0 ? 300 : requests;
            const ms = await timeMs(() => runPool(count, requestsAtOnce, call));
            if (sample > 0) throughputs.get(caller)!.push(count / (ms / 1000));
          } catch (error) {
            failures.set(caller, reasonOf(error));
          }
        }
      }
      for (const caller of callers) {
        const reason = caller.pending ?? failures.get(caller);
        const row: Row = reason
          ? { case: name, adapter: caller.adapter, status: caller.pending ? "pending" : "n/a", reason }
          : { case: name, adapter: caller.adapter, status: "ok", value: summarize(throughputs.get(caller)!) };
        section.rows.push(row);
      }
      const [directRow, guardedRow, weftRow] = section.rows.slice(-3);
      if (directRow?.value && weftRow?.value) {
        weftRow.ratios = { "weft ÷ direct": weftRow.value.median / directRow.value.median };
        if (guardedRow?.value) {
          weftRow.ratios["weft ÷ direct + signal"] = weftRow.value.median / guardedRow.value.median;
        }
      }
    }
    return section;
  } finally {
    server.close();
  }
}

/**
 * The offline server as users start it, `weft mock-llm`, in a process of its own: in the clients'
 * process it would take turns with them on one event loop and blur the comparison.
 */
function startServerProcess(): Promise<{ url: string; close: () => void }> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "packages/cli/bundle/weft.js"), "mock-llm", "--key", key],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const close = () => {
    if (child.exitCode === null) child.kill("SIGINT");
  };
  return new Promise((resolve, reject) => {
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve({ url: match[1], close });
    });
    child.once("exit", (code) =>
      reject(new Error(`weft mock-llm exited with ${code} (is the CLI bundle built?)`)),
    );
  });
}
