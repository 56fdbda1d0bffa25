import type { IncomingMessage } from "node:http";
import type { ModelClient } from "@azure-rest/ai-inference";
import { describeJsonError, FlowError } from "@weft/engine";
import { ClientCache } from "../chat-completion/chat-call.js";
import {
  createResponseSizePolicy,
  findResponseTooLarge,
  responseTooLargeError,
} from "../chat-completion/response-size-limit.js";
import { networkError, readErrorBody, readRetryAfter, serviceError } from "../service/service-errors.js";
import type { ModelClientTarget } from "./llm-target.js";
import type { ClientAccess, RequestContext } from "./openai-client.js";

/** The Azure AI Inference client and the packages it is used with. */
export type AzureSdk = {
  inference: typeof import("@azure-rest/ai-inference");
  auth: typeof import("@azure/core-auth");
  sse: typeof import("@azure/core-sse");
};

let sdk: Promise<AzureSdk> | undefined;
let loaded: AzureSdk | undefined;

/** The Azure SDK, loaded on first use; once loaded, handed back without a microtask. */
export function loadAzureSdk(): AzureSdk | Promise<AzureSdk> {
  if (loaded) return loaded;
  sdk ??= Promise.all([
    import("@azure-rest/ai-inference"),
    import("@azure/core-auth"),
    import("@azure/core-sse"),
  ]).then(([inference, auth, sse]) => {
    loaded = { inference, auth, sse };
    return loaded;
  });
  return sdk;
}

const clients = new ClientCache<ModelClient>();

/**
 * The `ModelClient` for a Foundry `/models` or serverless endpoint, cached by target, key and
 * response limit: SDK retries off (the engine retries), plain http only on this machine, and a
 * pipeline policy that stops reading any body at the response limit.
 */
export function modelClientFor(
  azure: AzureSdk,
  target: ModelClientTarget,
  access: ClientAccess,
): ModelClient {
  // The key is part of the identity (clients hold it anyway); the cache never leaves this module.
  const key = () =>
    `${target.url}\0${target.apiVersion ?? ""}\0${target.insecure}\0${access.maxResponseBytes}\0${access.apiKey}`;
  return clients.getFor(target, access, key, () =>
    azure.inference.default(target.url, new azure.auth.AzureKeyCredential(access.apiKey), {
      retryOptions: { maxRetries: 0 },
      allowInsecureConnection: target.insecure,
      additionalPolicies: [
        { policy: createResponseSizePolicy(access.maxResponseBytes), position: "perRetry" },
      ],
      ...(target.apiVersion ? { apiVersion: target.apiVersion } : {}),
    }),
  );
}

/**
 * The error for a response that is not a 200, read from its status, body and retry headers only:
 * the response object itself holds the request headers (the key) and is never kept.
 */
export function responseError(
  response: { status: string; headers: unknown },
  body: unknown,
  apiKey: string,
  where: { nodeId: string; host: string },
): FlowError {
  const headers = response.headers as Record<string, string | undefined>;
  const retryAfterMs = readRetryAfter((name) => headers[name]);
  const { code, message } = readErrorBody(body, apiKey);
  return serviceError(
    {
      status: Number(response.status),
      ...(code ? { code } : {}),
      message: message ?? "no error message",
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
    where,
  );
}

/** `RestError`s hold the request (and its key) in a hidden property: keep only plain fields. */
export function normalizeModelClientError(error: unknown, context: RequestContext): unknown {
  if (error instanceof FlowError) return error;
  if (context.signal.aborted) return context.signal.reason ?? error;
  const where = { nodeId: context.nodeId, host: context.host };
  const tooLarge = findResponseTooLarge(error);
  if (tooLarge) return responseTooLargeError(tooLarge, where);
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === "AbortError") {
    const within = context.timeoutMs === undefined ? "in time" : `within ${context.timeoutMs} ms`;
    return new FlowError("llm.timeout", `${where.host} did not answer ${within}`, {
      nodeId: where.nodeId,
      retryable: true,
    });
  }
  // The pipeline reports a JSON body it cannot parse as a `RestError` with code PARSE_ERROR.
  const parseFailure =
    name === "RestError" && code === "PARSE_ERROR"
      ? /^Error "(?:SyntaxError: )?(.*?)" occurred while parsing the response body/s.exec(message ?? "")
      : null;
  if (parseFailure) {
    return new FlowError(
      "llm.response",
      `${where.host} sent a malformed response: ${describeJsonError(parseFailure[1] ?? "")}`,
      { nodeId: where.nodeId, retryable: true },
    );
  }
  if (typeof code === "string" && /^(E[A-Z]+|UND_ERR.*)$/.test(code)) return networkError(code, where);
  if (name === "RestError") return networkError(message ?? "request failed", where);
  return new FlowError("llm.error", message ?? String(error), { nodeId: where.nodeId });
}

/** JSON text parsed, or `undefined` when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A response body stream read whole (it is already bounded by the response size policy). */
export async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
