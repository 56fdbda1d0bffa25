import type { IncomingMessage } from "node:http";
import type { ModelClient } from "@azure-rest/ai-inference";
import { describeJsonError, FlowError } from "@weft/engine";
import { networkError, readErrorBody, readRetryAfter, serviceError } from "../service/service-errors.js";
import {
  type ChatCall,
  type ChatCallResult,
  type ChatStreamChunk,
  ClientCache,
  readCompletion,
  StreamedCompletion,
} from "./chat-call.js";
import type { ChatTarget } from "./chat-request.js";
import {
  createResponseSizePolicy,
  findResponseTooLarge,
  responseTooLargeError,
} from "./response-size-limit.js";

type AzureSdk = {
  inference: typeof import("@azure-rest/ai-inference");
  auth: typeof import("@azure/core-auth");
  sse: typeof import("@azure/core-sse");
};
let sdk: Promise<AzureSdk> | undefined;
/** The SDK once loaded, so later requests skip a microtask. */
let loaded: AzureSdk | undefined;
/** Loaded on first use, so `weft run` of a flow without chat nodes starts fast. */
const loadSdk = () => {
  sdk ??= Promise.all([
    import("@azure-rest/ai-inference"),
    import("@azure/core-auth"),
    import("@azure/core-sse"),
  ]).then(([inference, auth, sse]) => {
    loaded = { inference, auth, sse };
    return loaded;
  });
  return sdk;
};

const clients = new ClientCache<ModelClient>();

type FoundryTarget = Extract<ChatTarget, { kind: "foundry-models" }>;

/**
 * Sends a chat completion to an Azure AI Foundry `/models` endpoint with `ModelClient`.
 * The response object carries the request headers (the key): only status, body and retry
 * headers are read from it, and it is never kept, logged or returned.
 */
export async function callModelClient(target: FoundryTarget, call: ChatCall): Promise<ChatCallResult> {
  const azure = loaded ?? (await loadSdk());
  const client = clients.get(clientKey(target, call), () =>
    azure.inference.default(target.url, new azure.auth.AzureKeyCredential(call.apiKey), {
      retryOptions: { maxRetries: 0 },
      allowInsecureConnection: target.insecure,
      additionalPolicies: [{ policy: createResponseSizePolicy(call.maxResponseBytes), position: "perRetry" }],
      ...(target.apiVersion ? { apiVersion: target.apiVersion } : {}),
    }),
  );
  const timeout = call.timeoutMs === undefined ? {} : { timeout: call.timeoutMs };
  const where = { nodeId: call.nodeId, host: target.host };
  const model = call.body.model ?? "";
  try {
    if (!call.stream) {
      const response = await client
        .path("/chat/completions")
        .post({ body: call.body as never, abortSignal: call.signal, ...timeout });
      const status = Number(response.status);
      const body = response.body as unknown;
      if (status !== 200) {
        const retryAfterMs = readRetryAfter(
          (name) => (response.headers as Record<string, string | undefined>)[name],
        );
        throw serviceError(
          {
            status,
            ...describeBody(body, call.apiKey),
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          },
          where,
        );
      }
      return readCompletion(body, model, where);
    }
    const response = await client
      .path("/chat/completions")
      .post({
        body: { ...call.body, stream: true, stream_options: { include_usage: true } } as never,
        abortSignal: call.signal,
        ...timeout,
      })
      .asNodeStream();
    const status = Number(response.status);
    const stream = response.body as IncomingMessage | undefined;
    if (status !== 200 || !stream) {
      const retryAfterMs = readRetryAfter(
        (name) => (response.headers as Record<string, string | undefined>)[name],
      );
      const text = stream ? await readAll(stream) : "";
      throw serviceError(
        {
          status,
          ...describeBody(parseJson(text) ?? text, call.apiKey),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        },
        where,
      );
    }
    const completion = new StreamedCompletion(model, call.onToken);
    let done = false;
    for await (const event of azure.sse.createSseStream(stream)) {
      if (event.data === "[DONE]") {
        done = true;
        break;
      }
      const chunk = parseJson(event.data) as (ChatStreamChunk & { error?: unknown }) | undefined;
      if (!chunk) {
        throw new FlowError("llm.response", `${target.host} sent a malformed stream event`, {
          nodeId: call.nodeId,
          retryable: true,
        });
      }
      if (chunk.error) {
        const { code, message } = readErrorBody(chunk);
        throw serviceError({ message: message ?? "stream error", ...(code ? { code } : {}) }, where);
      }
      completion.add(chunk);
    }
    if (call.signal.aborted) throw call.signal.reason;
    if (!done && !completion.finished) {
      throw new FlowError("llm.stream", `${target.host} ended the stream before the completion finished`, {
        nodeId: call.nodeId,
        retryable: true,
      });
    }
    return completion.result();
  } catch (error) {
    throw normalizeError(error, call, where);
  }
}

function describeBody(body: unknown, apiKey: string): { code?: string; message: string } {
  const { code, message } = readErrorBody(body, apiKey);
  return { ...(code ? { code } : {}), message: message ?? "no error message" };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function clientKey(target: FoundryTarget, call: ChatCall): string {
  // The key is part of the identity (clients hold it anyway); the cache never leaves this module.
  return `${target.url}\0${target.apiVersion ?? ""}\0${target.insecure}\0${call.maxResponseBytes}\0${call.apiKey}`;
}

/** `RestError`s hold the request (and its key) in a hidden property: keep only plain fields. */
function normalizeError(error: unknown, call: ChatCall, where: { nodeId: string; host: string }): unknown {
  if (error instanceof FlowError) return error;
  if (call.signal.aborted) return call.signal.reason ?? error;
  const tooLarge = findResponseTooLarge(error);
  if (tooLarge) return responseTooLargeError(tooLarge, where);
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === "AbortError") {
    return new FlowError(
      "llm.timeout",
      `${where.host} did not answer ${call.timeoutMs === undefined ? "in time" : `within ${call.timeoutMs} ms`}`,
      {
        nodeId: where.nodeId,
        retryable: true,
      },
    );
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
      {
        nodeId: where.nodeId,
        retryable: true,
      },
    );
  }
  if (typeof code === "string" && /^(E[A-Z]+|UND_ERR.*)$/.test(code)) return networkError(code, where);
  if (name === "RestError") return networkError(message ?? "request failed", where);
  return new FlowError("llm.error", message ?? String(error), { nodeId: where.nodeId });
}
