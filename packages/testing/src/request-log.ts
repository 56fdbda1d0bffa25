import type { AuthScheme, LlmServerStats, RequestLogEntry, RouteName, TokenCounts } from "./types.js";

/** What is known about a request when it arrives. */
export interface ArrivingRequest {
  method: string;
  path: string;
  route: RouteName;
  deployment?: string;
  apiVersion?: string;
  auth: AuthScheme;
  keyName?: string;
  keyFingerprint?: string;
  /** The label the request counts under in `maxConcurrencyByKey`. */
  keyLabel?: string;
}

/** A request being served: its log entry, to fill in, and the call that ends it. */
export interface TrackedRequest {
  entry: RequestLogEntry;
  /** Records the duration and takes the request out of flight; later calls do nothing. */
  finish(): void;
}

/**
 * The request log and the concurrency counters. Entries contain only what `ArrivingRequest` and the
 * server put in them: no key and no header.
 */
export class RequestLog {
  /** The live array handed out as `LlmServer.requests`; emptied in place by `reset()`. */
  readonly entries: RequestLogEntry[] = [];
  #seq = 0;
  #total = 0;
  #inFlight = 0;
  #maxConcurrency = 0;
  readonly #inFlightByKey = new Map<string, number>();
  /** By key label: labels are key names a user chose (`--key __proto__=K`), so never object keys. */
  readonly #maxConcurrencyByKey = new Map<string, number>();
  readonly #onFinish: ((entry: RequestLogEntry) => void) | undefined;
  readonly #keyLabels = new WeakMap<RequestLogEntry, string>();
  readonly #tokensByKey = new Map<string, TokenCounts & { requests: number }>();

  constructor(onFinish?: (entry: RequestLogEntry) => void) {
    this.#onFinish = onFinish;
  }

  /** Logs an arriving request and counts it in flight. */
  begin(arriving: ArrivingRequest): TrackedRequest {
    this.#seq += 1;
    this.#total += 1;
    this.#inFlight += 1;
    this.#maxConcurrency = Math.max(this.#maxConcurrency, this.#inFlight);
    const { keyLabel } = arriving;
    if (keyLabel !== undefined) {
      const inFlight = (this.#inFlightByKey.get(keyLabel) ?? 0) + 1;
      this.#inFlightByKey.set(keyLabel, inFlight);
      this.#maxConcurrencyByKey.set(
        keyLabel,
        Math.max(this.#maxConcurrencyByKey.get(keyLabel) ?? 0, inFlight),
      );
    }

    const entry: RequestLogEntry = {
      seq: this.#seq,
      requestId: `offline-req-${this.#seq}`,
      method: arriving.method,
      path: arriving.path,
      route: arriving.route,
      auth: arriving.auth,
      stream: false,
      messages: 0,
      status: 0,
      startedAt: Date.now(),
      durationMs: 0,
      concurrency: this.#inFlight,
    };
    if (arriving.deployment !== undefined) entry.deployment = arriving.deployment;
    if (arriving.apiVersion !== undefined) entry.apiVersion = arriving.apiVersion;
    if (arriving.keyName !== undefined) entry.keyName = arriving.keyName;
    if (arriving.keyFingerprint !== undefined) entry.keyFingerprint = arriving.keyFingerprint;
    this.entries.push(entry);
    if (keyLabel !== undefined) this.#keyLabels.set(entry, keyLabel);

    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      entry.durationMs = Date.now() - entry.startedAt;
      this.#inFlight -= 1;
      if (keyLabel !== undefined)
        this.#inFlightByKey.set(keyLabel, (this.#inFlightByKey.get(keyLabel) ?? 1) - 1);
      this.#onFinish?.(entry);
    };
    return { entry, finish };
  }

  /** Records the token counts an answer reported, for the entry and its key's totals. */
  recordUsage(entry: RequestLogEntry, usage: TokenCounts): void {
    entry.usage = usage;
    const label = this.#keyLabels.get(entry);
    if (label === undefined) return;
    const total = this.#tokensByKey.get(label) ?? {
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
    };
    total.requests += 1;
    total.promptTokens += usage.promptTokens;
    total.completionTokens += usage.completionTokens;
    total.totalTokens += usage.totalTokens;
    this.#tokensByKey.set(label, total);
  }

  /** Counters since construction or the last `reset()`. */
  stats(): LlmServerStats {
    return {
      total: this.#total,
      maxConcurrency: this.#maxConcurrency,
      // Own properties, even for a label such as `__proto__` (fromEntries defines, never assigns).
      maxConcurrencyByKey: Object.fromEntries(this.#maxConcurrencyByKey),
      tokensByKey: Object.fromEntries([...this.#tokensByKey].map(([label, total]) => [label, { ...total }])),
    };
  }

  /** Empties the log and the counters; requests still in flight keep counting as in flight. */
  reset(): void {
    this.entries.length = 0;
    this.#seq = 0;
    this.#total = 0;
    this.#maxConcurrency = 0;
    this.#maxConcurrencyByKey.clear();
    this.#tokensByKey.clear();
  }
}
