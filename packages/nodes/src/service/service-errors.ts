import { FlowError, Redactor } from "@weft/engine";

/** What we keep of an HTTP error from a service: plain data, never the SDK object (it can hold the key). */
export interface ServiceErrorInfo {
  /** The HTTP status, if the service answered. */
  status?: number;
  /** The service's own error code (`rate_limit_exceeded`, `insufficient_quota`), if it gave one. */
  code?: string;
  /** The service's message, scrubbed of the key. */
  message: string;
  /** How long the service asked to wait before another attempt, in ms. */
  retryAfterMs?: number;
}

/** Status codes worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Reads the server's retry hint: `retry-after-ms`, `x-ms-retry-after-ms`, then `retry-after`
 * (seconds or an HTTP date).
 */
export function readRetryAfter(get: (name: string) => string | null | undefined): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number.parseFloat(get(name) ?? "");
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = get("retry-after");
  if (!retryAfter) return undefined;
  const seconds = Number.parseFloat(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Turns a service's HTTP error into a `FlowError`: retryable for 408/429/5xx, never for exhausted quota. */
export function serviceError(info: ServiceErrorInfo, where: { nodeId: string; host: string }): FlowError {
  const status = info.status;
  const quota = info.code === "insufficient_quota";
  // An error event in the middle of a stream has no status: its code tells a server fault.
  const serverFault =
    status === undefined && /server_error|internal|timeout|overloaded/i.test(info.code ?? "");
  const retryable = ((status !== undefined && isRetryableStatus(status)) || serverFault) && !quota;
  const hint =
    status === 401 || status === 403
      ? " (check the connection's API key)"
      : status === 404
        ? " (check the endpoint, deployment and model names)"
        : quota
          ? " (the subscription's quota is exhausted; retrying will not help)"
          : "";
  const code =
    status === 401 || status === 403
      ? "llm.auth"
      : status === 429
        ? quota
          ? "llm.quota"
          : "llm.rate-limited"
        : status !== undefined && status >= 500
          ? "llm.server"
          : "llm.request";
  return new FlowError(code, `${where.host} answered ${status ?? "with an error"}: ${info.message}${hint}`, {
    nodeId: where.nodeId,
    ...(status === undefined ? {} : { status }),
    retryable,
    ...(info.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }),
  });
}

/** A connection failure (refused, reset, DNS): retryable. */
export function networkError(message: string, where: { nodeId: string; host: string }): FlowError {
  return new FlowError("llm.network", `cannot reach ${where.host}: ${message}`, {
    nodeId: where.nodeId,
    retryable: true,
  });
}

/** A service's own text (an error page, a plain-text error) is cut to this many characters in messages. */
export const MAX_SERVICE_TEXT_LENGTH = 300;

/**
 * Masks the key a request was sent with (as written or encoded) in text the service sent back,
 * then cuts the text to `MAX_SERVICE_TEXT_LENGTH`. In that order: cut first, a key at the cut keeps
 * its first characters, and nothing downstream can tell them from other text any more.
 */
export function cutServiceText(text: string, apiKey: string | undefined): string {
  if (apiKey === undefined) return text.slice(0, MAX_SERVICE_TEXT_LENGTH);
  const redactor = new Redactor();
  redactor.add(apiKey);
  return redactor.redactText(text).slice(0, MAX_SERVICE_TEXT_LENGTH);
}

/**
 * Reads `{ error: { code, message } }` bodies (OpenAI and Azure shapes) into plain fields; a text
 * body becomes the message, scrubbed of `apiKey` and then cut short (`cutServiceText`).
 */
export function readErrorBody(body: unknown, apiKey?: string): { code?: string; message?: string } {
  const error = (body as { error?: unknown } | null | undefined)?.error;
  if (error && typeof error === "object") {
    const { code, message, type } = error as { code?: unknown; message?: unknown; type?: unknown };
    const codeText =
      typeof code === "string"
        ? code
        : typeof code === "number"
          ? String(code)
          : typeof type === "string"
            ? type
            : undefined;
    return {
      ...(codeText ? { code: codeText } : {}),
      ...(typeof message === "string" ? { message } : {}),
    };
  }
  if (typeof body === "string" && body.trim()) return { message: cutServiceText(body.trim(), apiKey) };
  return {};
}
