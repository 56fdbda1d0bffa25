// An offline stand-in for the JSON service the plug-in calls: `POST /v1/analyze { text }` with the
// key in `x-api-key` answers `{ sentiment, words, usage }`. It logs which key each request carried
// (by name, never the key) and counts the requests in flight per key, so tests can check a
// connection's `maxConcurrency`. Start it with `node examples/plugin/server.mjs --port 4020`.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const POSITIVE = new Set(["good", "great", "love", "fast", "helpful", "excellent", "happy"]);
const NEGATIVE = new Set(["bad", "slow", "broken", "hate", "late", "poor", "angry"]);

/**
 * Starts the service on a loopback port. `keys` (name → key) are the keys it accepts; without
 * any, it accepts every non-empty key and names each by a short fingerprint. `delayMs` holds every
 * answer that long, so that requests sent together are in flight together; with `releaseAt`, the
 * answers held for a key all go out as soon as that many requests with the key are in flight (a
 * test then sees every request a client sends at once, however slow the machine). With
 * `echoKeyInErrors` it quotes a refused key back in its error, as careless services do.
 */
export async function startServer({
  port = 0,
  host = "127.0.0.1",
  keys = {},
  delayMs = 0,
  releaseAt = Number.POSITIVE_INFINITY,
  echoKeyInErrors = false,
} = {}) {
  const names = new Map(Object.entries(keys).map(([name, key]) => [key, name]));
  const requests = [];
  const inFlight = new Map();
  const peak = new Map();
  const held = new Map();

  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const key = request.headers["x-api-key"];
      const keyName = typeof key !== "string" || key === "" ? undefined : nameOf(key);
      const entry = { method: request.method, path: request.url, key: keyName ?? "-", status: 0 };
      requests.push(entry);
      const answer = (status, body) => {
        entry.status = status;
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (request.method !== "POST" || request.url !== "/v1/analyze") {
        return answer(404, { error: { code: "not_found", message: "expected POST /v1/analyze" } });
      }
      if (keyName === undefined) {
        const quoted = echoKeyInErrors && typeof key === "string" ? ` (got ${key})` : "";
        return answer(401, {
          error: { code: "unauthorized", message: `missing or unknown x-api-key${quoted}` },
        });
      }
      let text;
      try {
        text = JSON.parse(Buffer.concat(chunks).toString("utf8")).text;
      } catch {
        text = undefined;
      }
      if (typeof text !== "string") {
        return answer(400, {
          error: { code: "bad_request", message: 'expected a JSON body { "text": "..." }' },
        });
      }
      const now = (inFlight.get(keyName) ?? 0) + 1;
      inFlight.set(keyName, now);
      peak.set(keyName, Math.max(peak.get(keyName) ?? 0, now));
      let timer;
      const release = () => {
        clearTimeout(timer);
        held.get(keyName)?.delete(release);
        inFlight.set(keyName, (inFlight.get(keyName) ?? 1) - 1);
        answer(200, analyze(text));
      };
      timer = setTimeout(release, delayMs);
      if (!held.has(keyName)) held.set(keyName, new Set());
      held.get(keyName).add(release);
      if (now >= releaseAt) for (const waiting of [...held.get(keyName)]) waiting();
    });
  });

  function nameOf(key) {
    if (names.size > 0) return names.get(key);
    return `sha256:${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    /** Every request: method, path, the key's name, status. */
    requests,
    /** The most requests in flight at once with each key, by the key's name. */
    peakInFlight: (keyName) => peak.get(keyName) ?? 0,
    reset() {
      requests.length = 0;
      peak.clear();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A word count and a sentiment from two short word lists: deterministic, so results snapshot. */
function analyze(text) {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  let score = 0;
  for (const word of words) score += POSITIVE.has(word) ? 1 : NEGATIVE.has(word) ? -1 : 0;
  const sentiment = score > 0 ? "positive" : score < 0 ? "negative" : "neutral";
  return { sentiment, words: words.length, usage: { inputUnits: words.length, outputUnits: 1 } };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { port: { type: "string", default: "4020" }, delay: { type: "string", default: "0" } },
  });
  const service = await startServer({ port: Number(values.port), delayMs: Number(values.delay) });
  process.stdout.write(`json service listening on ${service.url} (POST /v1/analyze, any non-empty key)\n`);
}
