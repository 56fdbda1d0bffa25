/**
 * Makes run results and request logs stable for snapshots: drops times, durations and ids, and
 * replaces the offline server's port (and fingerprints that depend on it).
 */
export function cleanForSnapshot(value: unknown, port?: number): unknown {
  const volatile = new Set(["runId", "startedAt", "durationMs", "timestamp", "requestId", "seq"]);
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") {
      let text = item.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>");
      if (port !== undefined) {
        text = text.split(`:${port}`).join(":<port>");
        // A usage label's key fingerprint covers the endpoint, port included.
        text = text.replace(/:<port>#key-[0-9a-f]{8}/g, ":<port>#key-<fingerprint>");
      }
      return text;
    }
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(item))
        if (!volatile.has(key)) out[walk(key) as string] = walk(child);
      return out;
    }
    return item;
  };
  return walk(value);
}

/**
 * The parts of each request-log entry that say where a request went and with which key, sorted
 * so that requests sent in parallel snapshot the same whatever order they arrived in.
 */
export function wireSummary(entries: ReadonlyArray<Record<string, unknown>>): string[] {
  return entries
    .map((entry) =>
      [
        entry.method,
        entry.path,
        entry.apiVersion ? `api-version=${entry.apiVersion}` : "",
        `model=${entry.model ?? "-"}`,
        `auth=${entry.auth}`,
        `key=${entry.keyName ?? entry.keyFingerprint}`,
        entry.stream ? "stream" : "",
        `status=${entry.status}`,
      ]
        .filter(Boolean)
        .join(" "),
    )
    .sort();
}
