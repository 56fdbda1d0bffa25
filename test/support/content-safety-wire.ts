import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AnalyzeTextBody,
  analyzeText,
  type ContentSafetyCall,
  listBlocklists,
} from "../../packages/nodes/src/connection-kinds/azure-content-safety/client.js";
import { parseContentSafetyEndpoint } from "../../packages/nodes/src/connection-kinds/azure-content-safety/endpoint.js";

/** The key the recordings are made with; fixtures hold `<key>` instead. */
export const RECORDING_KEY = "test-key-recording-cs-91f0";

/** One recorded exchange, scrubbed: what the client sent and the answer it got. */
export interface WireFixture {
  case: string;
  sdk: string;
  call: string;
  note: string;
  request: {
    method: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    body: unknown;
  };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

interface Case {
  name: string;
  call: string;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  run(call: ContentSafetyCall): Promise<unknown>;
}

/** The body content-safety-text sends for a text and a blocklist. */
export const ANALYZE_BODY: AnalyzeTextBody = {
  text: "You are a hate:4 example.",
  categories: ["Hate", "SelfHarm", "Sexual", "Violence"],
  blocklistNames: ["banned-words"],
  outputType: "FourSeverityLevels",
};

const CASES: Case[] = [
  {
    name: "content-safety-analyze-text",
    call: 'ContentSafetyClient(endpoint, new AzureKeyCredential(key), { apiVersion, retryOptions: { maxRetries: 0 } }).path("/text:analyze").post({ body, abortSignal })',
    status: 200,
    body: {
      blocklistsMatch: [],
      categoriesAnalysis: [
        { category: "Hate", severity: 4 },
        { category: "SelfHarm", severity: 0 },
        { category: "Sexual", severity: 0 },
        { category: "Violence", severity: 0 },
      ],
    },
    run: (call) => analyzeText(call, ANALYZE_BODY),
  },
  {
    name: "content-safety-analyze-text-401",
    call: 'ContentSafetyClient(…).path("/text:analyze").post({ body, abortSignal }) with a wrong key',
    status: 401,
    body: {
      error: {
        code: "401",
        message:
          "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
      },
    },
    run: (call) => analyzeText(call, ANALYZE_BODY),
  },
  {
    name: "content-safety-analyze-text-429",
    call: 'ContentSafetyClient(…).path("/text:analyze").post({ body, abortSignal }), throttled',
    status: 429,
    headers: { "retry-after": "1" },
    body: {
      error: {
        code: "TooManyRequests",
        message:
          "The current requests per second have exceeded the quota of your pricing tier. Please retry after a short while.",
        details: [],
      },
    },
    run: (call) => analyzeText(call, ANALYZE_BODY),
  },
  {
    name: "content-safety-list-blocklists",
    call: 'ContentSafetyClient(…).path("/text/blocklists").get({ abortSignal }) (weft connection test)',
    status: 200,
    body: { value: [{ blocklistName: "banned-words", description: "" }] },
    run: (call) => listBlocklists(call),
  },
];

/**
 * Points the real client, through the code content-safety-text uses, at a loopback server that
 * records each request and answers it with a body shaped like the service's, and returns the
 * exchanges scrubbed of the key and of what varies between machines.
 */
export async function recordContentSafetyWire(sdkVersion: string): Promise<WireFixture[]> {
  const fixtures: WireFixture[] = [];
  for (const recorded of CASES) {
    let seen: WireFixture["request"] | undefined;
    const server = createServer(async (req, res) => {
      seen = await readRequest(req);
      res.writeHead(recorded.status, { "content-type": "application/json", ...recorded.headers });
      res.end(JSON.stringify(recorded.body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await recorded
        .run({
          endpoint: parseContentSafetyEndpoint(url),
          apiVersion: "2023-10-01",
          apiKey: RECORDING_KEY,
          signal: AbortSignal.timeout(10_000),
          maxResponseBytes: 1024 * 1024,
          nodeId: "record",
        })
        .catch(() => undefined);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (!seen) throw new Error(`${recorded.name}: the client sent nothing`);
    fixtures.push({
      case: recorded.name,
      sdk: `@azure-rest/ai-content-safety@${sdkVersion}`,
      call: recorded.call,
      note: "Recorded from the real client on a loopback server; the key is <key>. Response bodies are shaped like the service's.",
      request: seen,
      response: {
        status: recorded.status,
        headers: { "content-type": "application/json", ...recorded.headers },
        body: recorded.body,
      },
    });
  }
  return fixtures;
}

const VARYING_HEADERS = new Set(["host", "connection", "content-length"]);

async function readRequest(req: IncomingMessage): Promise<WireFixture["request"]> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  const url = new URL(req.url ?? "/", "http://recorder.invalid");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (VARYING_HEADERS.has(name) || value === undefined) continue;
    headers[name] = scrub(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return {
    method: req.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: text === "" ? null : JSON.parse(text),
  };
}

function scrub(name: string, value: string): string {
  if (value.includes(RECORDING_KEY)) return value.split(RECORDING_KEY).join("<key>");
  if (name === "x-ms-client-request-id") return "<uuid>";
  // The pipeline's and Node's versions and the OS vary between machines.
  if (name === "user-agent")
    return value.replace(/ core-rest-pipeline\/.*$/, " core-rest-pipeline/<version> Node/<version> (<os>)");
  return value;
}
