import type { TokenUsage } from "@weft/engine";
import type { ChatRequestBody } from "./chat-request.js";

/** One request to a chat service, independent of the SDK that sends it. */
export interface ChatCall {
  body: ChatRequestBody;
  stream: boolean;
  apiKey: string;
  signal: AbortSignal;
  /** Per attempt; the node's own `timeoutMs` bounds all attempts together. */
  timeoutMs: number;
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

  constructor(capacity = 32) {
    this.#capacity = capacity;
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
