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
