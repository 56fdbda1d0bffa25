import { describeJsonError, FlowError } from "@weft/engine";
import type { OpenAI } from "openai";
import { networkError, readRetryAfter, serviceError } from "../service/service-errors.js";
import {
  type ChatCall,
  type ChatCallResult,
  ClientCache,
  readCompletion,
  StreamedCompletion,
} from "./chat-call.js";
import type { ChatTarget } from "./chat-request.js";
import { createLimitedFetch, findResponseTooLarge, responseTooLargeError } from "./response-size-limit.js";

type OpenAiSdk = typeof import("openai");
let sdk: Promise<OpenAiSdk> | undefined;
/** The SDK once loaded, so later requests skip a microtask. */
let loaded: OpenAiSdk | undefined;
/** Loaded on first use, so `weft run` of a flow without chat nodes starts fast. */
const loadSdk = () => {
  sdk ??= import("openai").then((module) => {
    loaded = module;
    return module;
  });
  return sdk;
};

const clients = new ClientCache<OpenAI>();

/** Sends a chat completion with the `openai` SDK: `AzureOpenAI` for deployment URLs, `OpenAI` otherwise. */
export async function callOpenAi(
  target: Extract<ChatTarget, { kind: "azure-openai-deployment" | "openai" }>,
  call: ChatCall,
): Promise<ChatCallResult> {
  const openai = loaded ?? (await loadSdk());
  const client = clients.get(clientKey(target, call), () => createClient(openai, target, call));
  const where = { nodeId: call.nodeId, host: target.host };
  const model = call.body.model ?? (target.kind === "azure-openai-deployment" ? target.deployment : "");
  const body = { ...call.body, model } as OpenAI.ChatCompletionCreateParamsNonStreaming;
  const options = {
    signal: call.signal,
    ...(call.timeoutMs === undefined ? {} : { timeout: call.timeoutMs }),
  };
  try {
    if (!call.stream) {
      // The SDK hands back whatever a 200 holds, unchecked: `null`, text, any JSON.
      const completion: unknown = await client.chat.completions.create(body, options);
      return readCompletion(completion, model, where);
    }
    const stream = await client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      options,
    );
    const completion = new StreamedCompletion(model, call.onToken);
    for await (const chunk of stream) completion.add(chunk);
    // The SDK ends an aborted stream silently.
    if (call.signal.aborted) throw call.signal.reason;
    if (!completion.finished) {
      throw new FlowError("llm.stream", `${target.host} ended the stream before the completion finished`, {
        nodeId: call.nodeId,
        retryable: true,
      });
    }
    return completion.result();
  } catch (error) {
    throw normalizeError(openai, error, call, where);
  }
}

function createClient(openai: OpenAiSdk, target: ChatCallTarget, call: ChatCall): OpenAI {
  // Every option is passed explicitly: the SDK would otherwise read OPENAI_* variables.
  const common = {
    apiKey: call.apiKey,
    maxRetries: 0,
    organization: null,
    project: null,
    logLevel: "off" as const,
    fetch: createLimitedFetch(call.maxResponseBytes),
  };
  if (target.kind === "azure-openai-deployment") {
    return new openai.AzureOpenAI({ ...common, baseURL: target.url, apiVersion: target.apiVersion });
  }
  return new openai.OpenAI({
    ...common,
    baseURL: target.url ?? "https://api.openai.com/v1",
    ...(target.organization ? { organization: target.organization } : {}),
  });
}

type ChatCallTarget = Extract<ChatTarget, { kind: "azure-openai-deployment" | "openai" }>;

function clientKey(target: ChatCallTarget, call: ChatCall): string {
  const parts = [
    target.kind,
    target.url ?? "",
    target.kind === "azure-openai-deployment" ? target.apiVersion : (target.organization ?? ""),
    call.maxResponseBytes,
  ];
  // The key is part of the identity (clients hold it anyway); the cache never leaves this module.
  return `${parts.join("\0")}\0${call.apiKey}`;
}

/** SDK errors become `FlowError`s holding plain fields only. */
function normalizeError(
  openai: OpenAiSdk,
  error: unknown,
  call: ChatCall,
  where: { nodeId: string; host: string },
): unknown {
  if (error instanceof FlowError) return error;
  if (call.signal.aborted) return call.signal.reason ?? error;
  const tooLarge = findResponseTooLarge(error);
  if (tooLarge) return responseTooLargeError(tooLarge, where);
  if (error instanceof openai.APIConnectionTimeoutError) {
    return new FlowError(
      "llm.timeout",
      `${where.host} did not answer ${call.timeoutMs === undefined ? "in time" : `within ${call.timeoutMs} ms`}`,
      {
        nodeId: where.nodeId,
        retryable: true,
      },
    );
  }
  if (error instanceof openai.APIUserAbortError)
    return new FlowError("run.cancelled", "the request was aborted", where);
  if (error instanceof openai.APIConnectionError) {
    const cause = (error as { cause?: { cause?: { code?: string }; message?: string } }).cause;
    return networkError(cause?.cause?.code ?? cause?.message ?? error.message, where);
  }
  if (error instanceof openai.APIError) {
    const body = error.error as { message?: unknown } | undefined;
    const message = typeof body?.message === "string" ? body.message : error.message;
    const retryAfterMs = readRetryAfter((name) => error.headers?.get(name));
    return serviceError(
      {
        ...(error.status === undefined ? {} : { status: error.status }),
        ...(typeof error.code === "string"
          ? { code: error.code }
          : typeof error.type === "string"
            ? { code: error.type }
            : {}),
        message,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
      where,
    );
  }
  if (error instanceof SyntaxError) {
    return new FlowError(
      "llm.response",
      `${where.host} sent a malformed response: ${describeJsonError(error.message)}`,
      {
        nodeId: where.nodeId,
        retryable: true,
      },
    );
  }
  // A socket cut while a stream is read surfaces from fetch as `TypeError: terminated`, the socket
  // error in its cause; it is not an `APIConnectionError`.
  const causeCode = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof causeCode === "string" && /^(E[A-Z]+|UND_ERR.*)$/.test(causeCode)) {
    return networkError(causeCode, where);
  }
  return new FlowError("llm.error", error instanceof Error ? error.message : String(error), {
    nodeId: where.nodeId,
  });
}
