import type { createResponseSizePolicy } from "../chat-completion/response-size-limit.js";
import { readErrorBody, readRetryAfter } from "../service/service-errors.js";

type PipelinePolicy = ReturnType<typeof createResponseSizePolicy>;

/**
 * An error status from the search service, read where the pipeline has the response: status,
 * the service's code and message (or its text), and the retry hint. Plain data: no request, so
 * no key.
 */
export class SearchAnswerError extends Error {
  override name = "SearchAnswerError";
  readonly status: number;
  readonly code: string | undefined;
  readonly serviceMessage: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(status: number, body: string | undefined, retryAfterMs: number | undefined) {
    super(`the service answered ${status}`);
    this.status = status;
    let parsed: unknown = body;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      parsed = body;
    }
    const { code, message } = readErrorBody(parsed);
    this.code = code || undefined;
    this.serviceMessage = message || (typeof parsed === "string" ? parsed.trim() || undefined : undefined);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Turns every error status into a `SearchAnswerError` before the SDK reads the body: the SDK
 * 13.0.0 throws a `TypeError` for an error without a JSON body (the service's 401 and 403 have
 * none), and its own errors hold the request, key included. Put it before the size policy, so
 * that the body it reads is already cut at the limit.
 */
export function createSearchAnswerPolicy(): PipelinePolicy {
  return {
    name: "weftSearchAnswer",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status < 400) return response;
      const retryAfterMs = readRetryAfter((name) => response.headers.get(name));
      throw new SearchAnswerError(response.status, response.bodyAsText ?? undefined, retryAfterMs);
    },
  };
}
