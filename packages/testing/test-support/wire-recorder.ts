import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as a client sent it, made comparable: the key, host, ids and platform replaced. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

/** A wire fixture: which client construction and call sent which request. */
export interface WireFixture {
  case: string;
  sdk: string;
  client: string;
  call: string;
  note: string;
  request: RecordedRequest;
}

/** What stands for the key in fixtures. */
export const KEY_PLACEHOLDER = "<key>";

/**
 * Runs `send` against a loopback server that records the one request it gets and answers `reply`,
 * and returns that request normalised: the key becomes `<key>`, the host `<host>`, request ids
 * `<uuid>`, and what depends on the machine (OS, architecture, Node version) a placeholder.
 */
export async function recordRequest(
  key: string,
  reply: unknown,
  send: (url: string) => Promise<unknown>,
): Promise<RecordedRequest> {
  let recorded: RecordedRequest | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://recorder.invalid");
      const text = Buffer.concat(chunks).toString("utf8");
      recorded = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: normaliseHeaders(req.headers, key),
        body: text === "" ? null : JSON.parse(text),
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  if (!recorded) throw new Error("the client sent no request");
  return recorded;
}

const MACHINE_HEADERS = new Set(["x-stainless-os", "x-stainless-arch", "x-stainless-runtime-version"]);

function normaliseHeaders(headers: IncomingHttpHeaders, key: string): Record<string, string> {
  const normalised: Record<string, string> = Object.create(null);
  for (const name of Object.keys(headers).sort()) {
    const raw = headers[name];
    let value = (Array.isArray(raw) ? raw.join(", ") : (raw ?? "")).split(key).join(KEY_PLACEHOLDER);
    if (name === "host") value = "<host>";
    else if (name === "x-ms-client-request-id") value = "<uuid>";
    else if (MACHINE_HEADERS.has(name)) value = `<${name.slice("x-stainless-".length)}>`;
    else if (name === "user-agent")
      value = value.replace(/Node\/\S+ \([^)]*\)/, "Node/<version> (<platform>)");
    Object.defineProperty(normalised, name, { value, enumerable: true });
  }
  return { ...normalised };
}
