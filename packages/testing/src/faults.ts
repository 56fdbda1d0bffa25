import { statusErrorBody } from "./error-bodies.js";
import { buildCompletion } from "./replies.js";
import { type Exchange, sendJson, sendRaw, sendStream } from "./respond.js";
import { isAzureRoute } from "./routes.js";
import { buildStreamErrorEvent, buildStreamEvents } from "./sse.js";
import type { ChatRequestInfo, Fault } from "./types.js";

/** Everything a fault may need to imitate the failure it stands for. */
export interface FaultContext {
  exchange: Exchange;
  request: ChatRequestInfo;
  /** The reply the request would have had, for faults that send part of it. */
  reply: string;
  chunkDelayMs?: number;
}

/** Fails the request the way `fault` says. */
export async function applyFault(fault: Fault, context: FaultContext): Promise<void> {
  const { exchange, request, reply } = context;
  exchange.entry.fault = fault.type;
  switch (fault.type) {
    case "status": {
      const headers: Record<string, string> = {};
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      const overrides: { code?: string; message?: string } = {};
      if (fault.code !== undefined) overrides.code = fault.code;
      if (fault.message !== undefined) overrides.message = fault.message;
      const flavor = isAzureRoute(request.route) ? "azure" : "openai";
      sendJson(exchange, fault.status, statusErrorBody(fault.status, flavor, overrides), headers);
      return;
    }
    case "hang":
      return;
    case "drop":
      exchange.req.socket.destroy();
      return;
    case "raw-body":
      sendRaw(exchange, fault.status ?? 200, fault.body, {
        "content-type": fault.contentType ?? "text/plain; charset=utf-8",
      });
      return;
    case "malformed-json": {
      const whole = JSON.stringify(buildCompletion(request, reply));
      sendRaw(exchange, 200, whole.slice(0, Math.floor(whole.length / 2)));
      return;
    }
    case "stream-cut": {
      const events = buildStreamEvents(request, reply).slice(0, fault.afterChunks);
      await sendStream(exchange, events, { kind: "cut" }, context.chunkDelayMs);
      return;
    }
    case "stream-error": {
      const events = buildStreamEvents(request, reply).slice(0, fault.afterChunks);
      const options: { message?: string; code?: string } = {};
      if (fault.message !== undefined) options.message = fault.message;
      if (fault.code !== undefined) options.code = fault.code;
      const data = buildStreamErrorEvent(options);
      await sendStream(exchange, events, { kind: "error", data }, context.chunkDelayMs);
      return;
    }
  }
}
