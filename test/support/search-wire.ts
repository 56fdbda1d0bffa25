/**
 * Records what the index-lookup node and the azure-ai-search connection test send through the real
 * `@azure/search-documents` client: a loopback server logs each request (key and request ids
 * scrubbed) and answers as the service does. `test/search-wire.test.ts` compares the recordings
 * with `test/wire-fixtures/search-*.json` and replays them against the offline server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Connection,
  createEngine,
  type FlowDefinition,
  InMemoryConnectionProvider,
  Secret,
} from "@weft/engine";
import { azureAiSearchConnectionKind, builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";

/** The key every recording uses; fixtures show `<key>` instead. */
export const RECORDING_KEY = "test-key-search-wire-123";

/** One request and the answer the recorder gave it. */
export interface WireExchange {
  request: {
    method: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    body?: unknown;
  };
  response: { status: number; headers: Record<string, string>; body?: unknown };
}

/** A fixture: what one case sent and got. */
export interface WireFixture {
  case: string;
  sdk: string;
  call: string;
  note: string;
  exchanges: WireExchange[];
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

const SEARCH_ANSWER: Answer = {
  status: 200,
  headers: { "content-type": "application/json; odata.metadata=none; odata.streaming=true; charset=utf-8" },
  body: {
    value: [
      { "@search.score": 1.5, id: "1", title: "Rotating API keys", content: "Rotate keys every 90 days." },
      { "@search.score": 0.75, id: "4", title: "Secrets in logs", content: "Keys are masked." },
    ],
  },
};

const SEMANTIC_ANSWER: Answer = {
  status: 200,
  headers: SEARCH_ANSWER.headers as Record<string, string>,
  body: {
    value: [{ "@search.score": 1.5, "@search.rerankerScore": 2.8, id: "1", title: "Rotating API keys" }],
  },
};

/** Headers whose values change from run to run or machine to machine, or are not the client's. */
const DROPPED_HEADERS = new Set(["host", "connection", "content-length", "accept-encoding"]);

function scrubHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (DROPPED_HEADERS.has(name) || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    out[name] =
      name === "api-key"
        ? "<key>"
        : name === "x-ms-client-request-id"
          ? "<uuid>"
          : name === "user-agent"
            ? text
                .replace(/core-rest-pipeline\/[^ ]+/, "core-rest-pipeline/<version>")
                .replace(/Node\/[^ ]+ \(.*\)$/, "Node/<version> (<os>)")
            : text;
  }
  return out;
}

/** A loopback server that logs every request and answers each with `answer(request)`. */
async function startRecorder(answer: (method: string, path: string) => Answer) {
  const exchanges: WireExchange[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://recorder.invalid");
      const text = Buffer.concat(chunks).toString("utf8");
      const reply = answer(req.method ?? "GET", url.pathname);
      const headers =
        reply.headers ?? (reply.body === undefined ? {} : { "content-type": "application/json" });
      exchanges.push({
        request: {
          method: req.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: scrubHeaders(req.headers),
          ...(text ? { body: JSON.parse(text) as unknown } : {}),
        },
        response: {
          status: reply.status,
          headers,
          ...(reply.body === undefined ? {} : { body: reply.body }),
        },
      });
      res.writeHead(reply.status, headers);
      res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One recording: a name, the lookup inputs (or the connection test), what the recorder answers. */
interface WireCase {
  name: string;
  call: string;
  inputs?: Record<string, unknown>;
  connection?: Partial<Connection>;
  connectionTest?: true;
  answer: Answer;
}

const VECTOR = [0.1, 0.8, 0.1, 0.1];

export const WIRE_CASES: readonly WireCase[] = [
  {
    name: "search-keyword",
    call: 'index-lookup { queryType: "keyword", query, top: 3, select: "id,title,content" }',
    inputs: { query: "rotate keys", select: "id,title,content" },
    answer: SEARCH_ANSWER,
  },
  {
    name: "search-vector",
    call: 'index-lookup { queryType: "vector", vector, vectorFields: "contentVector", top: 2 }',
    inputs: { vector: VECTOR, vectorFields: "contentVector", top: 2 },
    answer: SEARCH_ANSWER,
  },
  {
    name: "search-hybrid",
    call: 'index-lookup { queryType: "hybrid", query, vector, vectorFields: ["contentVector"], filter }',
    inputs: {
      query: "rate limits",
      vector: VECTOR,
      vectorFields: ["contentVector"],
      filter: "category eq 'operations'",
    },
    answer: SEARCH_ANSWER,
  },
  {
    name: "search-semantic",
    call: 'index-lookup { queryType: "semantic", query, semanticConfiguration: "default" }',
    inputs: { queryType: "semantic", query: "how do I rotate keys", semanticConfiguration: "default" },
    answer: SEMANTIC_ANSWER,
  },
  {
    name: "search-api-version",
    call: 'index-lookup on a connection with apiVersion "2024-07-01"',
    inputs: { query: "quota" },
    connection: { apiVersion: "2024-07-01" },
    answer: SEARCH_ANSWER,
  },
  {
    name: "search-403",
    call: "index-lookup with a key the service refuses (403, empty body): one attempt",
    inputs: { query: "quota" },
    answer: { status: 403 },
  },
  {
    name: "search-list-indexes",
    call: "weft connection test: SearchIndexClient.listIndexesNames()",
    connectionTest: true,
    answer: { status: 200, body: { value: [{ name: "handbook" }] } },
  },
];

const NOTE =
  "Recorded by test/support/search-wire.ts from the real client on a loopback server (http://127.0.0.1, " +
  "allowInsecureConnection); the key is shown as <key>, request ids as <uuid>. Answers are shaped like the service's.";

/** Records one case through the node (or the connection test) and returns its fixture. */
export async function recordCase(wireCase: WireCase, sdkVersion: string): Promise<WireFixture> {
  const recorder = await startRecorder(() => wireCase.answer);
  try {
    const connection: Connection = {
      type: "azure-ai-search",
      endpoint: recorder.url,
      apiKey: new Secret(RECORDING_KEY),
      ...wireCase.connection,
    };
    if (wireCase.connectionTest) {
      await azureAiSearchConnectionKind.test?.(connection as never, {});
    } else {
      const engine = createEngine({
        nodeTypes: builtinNodeTypes,
        connectionKinds: builtinConnectionKinds,
        connections: new InMemoryConnectionProvider({ search: connection }),
      });
      const flow: FlowDefinition = {
        nodes: [
          {
            id: "lookup",
            type: "index-lookup",
            connection: "search",
            inputs: { index: "handbook", ...wireCase.inputs },
          },
        ],
      };
      await engine.run(flow);
    }
    return {
      case: wireCase.name,
      sdk: sdkVersion,
      call: wireCase.call,
      note: NOTE,
      exchanges: recorder.exchanges,
    };
  } finally {
    await recorder.close();
  }
}
