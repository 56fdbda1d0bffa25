import { statusErrorBody } from "../error-bodies.js";
import { type Exchange, sendHugeBody, sendJson, sendRaw } from "../respond.js";
import { isAzureRoute } from "../routes.js";
import type { EmbeddingsRequestInfo, Fault } from "../types.js";
import { encodeVector } from "./vectors.js";

/**
 * Fails an embeddings request the way `fault` says. Embeddings never stream: `stream-cut` sends
 * the first half of the body it would have sent and drops the socket, `stream-error` answers 500
 * with its message and code.
 */
export async function applyEmbeddingsFault(
  fault: Fault,
  exchange: Exchange,
  request: EmbeddingsRequestInfo,
  body: Record<string, unknown>,
): Promise<void> {
  exchange.entry.fault = fault.type;
  const flavor = isAzureRoute(request.wire) ? "azure" : "openai";
  switch (fault.type) {
    case "status": {
      const headers: Record<string, string> = {};
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      sendJson(exchange, fault.status, statusErrorBody(fault.status, flavor, overrides(fault)), headers);
      return;
    }
    case "stream-error":
      sendJson(exchange, 500, statusErrorBody(500, flavor, overrides(fault)));
      return;
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
      const whole = JSON.stringify(body);
      sendRaw(exchange, 200, whole.slice(0, Math.floor(whole.length / 2)));
      return;
    }
    case "stream-cut": {
      const whole = JSON.stringify(body);
      const { res, entry } = exchange;
      if (res.destroyed) return;
      entry.status = 200;
      res.writeHead(200, { "content-type": "application/json", "x-request-id": entry.requestId });
      res.write(whole.slice(0, Math.floor(whole.length / 2)), () => res.socket?.destroy());
      return;
    }
    case "huge-body": {
      // A list with one short vector, the filler in `model`: valid JSON whatever its size.
      const vector = request.encodingFormat === "base64" ? JSON.stringify(encodeVector([0.5])) : "[0.5]";
      await sendHugeBody(exchange, request, fault, [
        `{"object":"list","data":[{"object":"embedding","index":0,"embedding":${vector}}],"model":"`,
        `","usage":{"prompt_tokens":1,"total_tokens":1}}`,
      ]);
      return;
    }
  }
}

function overrides(fault: { code?: string; message?: string }): { code?: string; message?: string } {
  return {
    ...(fault.code === undefined ? {} : { code: fault.code }),
    ...(fault.message === undefined ? {} : { message: fault.message }),
  };
}
