import { FlowError, type TokenUsage } from "@weft/engine";
import type { ChatRequestBody } from "./chat-request.js";

/** One request to a chat service, independent of the SDK that sends it. */
export interface ChatCall {
  body: ChatRequestBody;
  stream: boolean;
  apiKey: string;
  /** Aborts at the request's deadline, and when the run ends. */
  signal: AbortSignal;
  /** A timeout the SDK enforces itself, when the caller has no deadline of its own in `signal`. */
  timeoutMs?: number;
  /** Most bytes read from the response, success or error body. */
  maxResponseBytes: number;
  onToken: (token: string) => void;
  nodeId: string;
}

/** What we keep of a completion: plain data, never the SDK's response object. */
export interface ChatCallResult {
  content: string;
  finishReason: string | null;
  model: string;
  usage?: TokenUsage;
}

/**
 * Reads a non-streamed 200 answer, the same way for both SDKs. A body that arrived whole but is not
 * a chat completion (`null`, text, an object without choices) fails with `llm.response`, not
 * retried: the service did answer, and asking again would cost quota for the same answer. (A body
 * cut mid-JSON is a transport failure, and is retried like a cut stream.)
 */
export function readCompletion(
  body: unknown,
  fallbackModel: string,
  where: { nodeId: string; host: string },
): ChatCallResult {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    // The text comes last: the run scrubs the message of secrets, then cuts it to a short prefix.
    const text = typeof body === "string" && body !== "" ? `: ${JSON.stringify(body)}` : "";
    throw new FlowError(
      "llm.response",
      `${where.host} answered 200 with ${describeBody(body)}, not a chat completion (a JSON object with "choices")${text}`,
      { nodeId: where.nodeId },
    );
  }
  const completion = body as {
    model?: unknown;
    usage?: unknown;
    choices?: unknown;
  };
  const choice = Array.isArray(completion.choices) ? (completion.choices[0] as unknown) : undefined;
  if (!choice || typeof choice !== "object") {
    throw new FlowError("llm.response", `${where.host} answered 200 with a completion without choices`, {
      nodeId: where.nodeId,
    });
  }
  const { message, finish_reason } = choice as { message?: { content?: unknown }; finish_reason?: unknown };
  const content = message?.content;
  const usage = readUsage(completion.usage);
  return {
    content: typeof content === "string" ? content : "",
    finishReason: typeof finish_reason === "string" ? finish_reason : null,
    model: typeof completion.model === "string" && completion.model ? completion.model : fallbackModel,
    ...(usage ? { usage } : {}),
  };
}

/** What a body that is not an object is, for messages. */
function describeBody(body: unknown): string {
  if (body === undefined || body === "") return "an empty body";
  if (body === null) return "null";
  if (typeof body === "string") return `text of ${body.length} characters`;
  if (Array.isArray(body)) return "an array";
  return `a ${typeof body}`;
}

/** Converts wire usage (`prompt_tokens` …) into ours. */
export function readUsage(usage: unknown): TokenUsage | undefined {
  if (!usage || typeof usage !== "object") return undefined;
  const { prompt_tokens, completion_tokens, total_tokens } = usage as Record<string, unknown>;
  if (typeof prompt_tokens !== "number" || typeof completion_tokens !== "number") return undefined;
  return {
    promptTokens: prompt_tokens,
    completionTokens: completion_tokens,
    totalTokens: typeof total_tokens === "number" ? total_tokens : prompt_tokens + completion_tokens,
  };
}

/** The part of a stream chunk both SDKs yield that a completion is built from. */
export interface ChatStreamChunk {
  model?: string;
  usage?: unknown;
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
}

/** Builds a completion from stream chunks, passing each piece of content on as a token. */
export class StreamedCompletion {
  #content = "";
  #finishReason: string | null = null;
  #model: string;
  #usage: TokenUsage | undefined;
  readonly #onToken: (token: string) => void;

  constructor(model: string, onToken: (token: string) => void) {
    this.#model = model;
    this.#onToken = onToken;
  }

  add(chunk: ChatStreamChunk): void {
    if (chunk.model) this.#model = chunk.model;
    this.#usage = readUsage(chunk.usage) ?? this.#usage;
    // Azure may open with a chunk that has no choices (prompt filter results).
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = choice.delta?.content;
    if (delta) {
      this.#content += delta;
      this.#onToken(delta);
    }
    if (choice.finish_reason) this.#finishReason = choice.finish_reason;
  }

  /** Whether the model said why it stopped: a stream without it was cut short. */
  get finished(): boolean {
    return this.#finishReason !== null;
  }

  result(): ChatCallResult {
    return {
      content: this.#content,
      finishReason: this.#finishReason,
      model: this.#model,
      ...(this.#usage ? { usage: this.#usage } : {}),
    };
  }
}

/** A small LRU of SDK clients: building one per request costs more than the request on loopback. */
export class ClientCache<T> {
  readonly #entries = new Map<string, T>();
  readonly #capacity: number;
  /**
   * The last client each target object (one per connection object) got, with the key and limit it
   * was built for: a static connection's requests then skip building and hashing the string key.
   */
  readonly #byTarget = new WeakMap<object, { apiKey: string; maxResponseBytes: number; client: T }>();

  constructor(capacity = 32) {
    this.#capacity = capacity;
  }

  /**
   * `get`, first asking what `target` got last time: a dynamic connection per tenant is its own
   * object with its own key, and a different key or limit goes through `key` and the LRU again.
   */
  getFor(
    target: object,
    access: { apiKey: string; maxResponseBytes: number },
    key: () => string,
    create: () => T,
  ): T {
    const last = this.#byTarget.get(target);
    if (last && last.apiKey === access.apiKey && last.maxResponseBytes === access.maxResponseBytes) {
      return last.client;
    }
    const client = this.get(key(), create);
    this.#byTarget.set(target, {
      apiKey: access.apiKey,
      maxResponseBytes: access.maxResponseBytes,
      client,
    });
    return client;
  }

  get(key: string, create: () => T): T {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, existing);
      return existing;
    }
    const created = create();
    this.#entries.set(key, created);
    if (this.#entries.size > this.#capacity)
      this.#entries.delete(this.#entries.keys().next().value as string);
    return created;
  }
}
