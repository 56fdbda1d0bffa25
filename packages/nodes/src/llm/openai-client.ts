import { describeJsonError, FlowError } from "@weft/engine";
import type { OpenAI } from "openai";
import { ClientCache } from "../chat-completion/chat-call.js";
import {
  createLimitedFetch,
  findResponseTooLarge,
  responseTooLargeError,
} from "../chat-completion/response-size-limit.js";
import { networkError, readRetryAfter, serviceError } from "../service/service-errors.js";
import type { OpenAiTarget } from "./llm-target.js";

/** The `openai` module. */
export type OpenAiSdk = typeof import("openai");

let sdk: Promise<OpenAiSdk> | undefined;
let loaded: OpenAiSdk | undefined;

/**
 * The `openai` module, loaded on first use so that `weft run` of a flow without model calls starts
 * fast; once loaded, handed back without a microtask.
 */
export function loadOpenAiSdk(): OpenAiSdk | Promise<OpenAiSdk> {
  if (loaded) return loaded;
  sdk ??= import("openai").then((module) => {
    loaded = module;
    return module;
  });
  return sdk;
}

/** What a client is built with besides its target. */
export interface ClientAccess {
  apiKey: string;
  /** Most bytes read from any response body. */
  maxResponseBytes: number;
}

const clients = new ClientCache<OpenAI>();

/**
 * The `openai` client for a target, cached by target, key and response limit: `AzureOpenAI` on a
 * deployment URL (`baseURL`, never `endpoint`, which would add a second `/openai`) or on a resource
 * URL (`endpoint`: the deployment comes from `model`), `OpenAI` otherwise. SDK retries are off (the
 * engine retries), and every option is explicit so that no `OPENAI_*` variable is read.
 */
export function openAiClientFor(openai: OpenAiSdk, target: OpenAiTarget, access: ClientAccess): OpenAI {
  return clients.getFor(
    target,
    access,
    () => clientKey(target, access),
    () => {
      const common = {
        apiKey: access.apiKey,
        maxRetries: 0,
        organization: null,
        project: null,
        logLevel: "off" as const,
        fetch: createLimitedFetch(access.maxResponseBytes),
      };
      if (target.kind === "azure-openai-deployment") {
        return new openai.AzureOpenAI({ ...common, baseURL: target.url, apiVersion: target.apiVersion });
      }
      if (target.kind === "azure-openai-resource") {
        return new openai.AzureOpenAI({ ...common, endpoint: target.url, apiVersion: target.apiVersion });
      }
      return new openai.OpenAI({
        ...common,
        baseURL: target.url ?? "https://api.openai.com/v1",
        ...(target.organization ? { organization: target.organization } : {}),
      });
    },
  );
}

function clientKey(target: OpenAiTarget, access: ClientAccess): string {
  const parts = [
    target.kind,
    target.url ?? "",
    target.kind === "openai" ? (target.organization ?? "") : target.apiVersion,
    access.maxResponseBytes,
  ];
  // The key is part of the identity (clients hold it anyway); the cache never leaves this module.
  return `${parts.join("\0")}\0${access.apiKey}`;
}

/** Where a request went and what it was allowed, for the errors it may end in. */
export interface RequestContext {
  nodeId: string;
  host: string;
  signal: AbortSignal;
  /** A timeout the SDK enforced itself, if any. */
  timeoutMs?: number;
}

/** SDK errors become `FlowError`s holding plain fields only (the SDK's objects can reach the key). */
export function normalizeOpenAiError(openai: OpenAiSdk, error: unknown, context: RequestContext): unknown {
  if (error instanceof FlowError) return error;
  if (context.signal.aborted) return context.signal.reason ?? error;
  const where = { nodeId: context.nodeId, host: context.host };
  const tooLarge = findResponseTooLarge(error);
  if (tooLarge) return responseTooLargeError(tooLarge, where);
  if (error instanceof openai.APIConnectionTimeoutError) {
    const within = context.timeoutMs === undefined ? "in time" : `within ${context.timeoutMs} ms`;
    return new FlowError("llm.timeout", `${where.host} did not answer ${within}`, {
      nodeId: where.nodeId,
      retryable: true,
    });
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
      { nodeId: where.nodeId, retryable: true },
    );
  }
  // A socket cut while a body is read surfaces from fetch as `TypeError: terminated`, the socket
  // error in its cause; it is not an `APIConnectionError`.
  const causeCode = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof causeCode === "string" && /^(E[A-Z]+|UND_ERR.*)$/.test(causeCode)) {
    return networkError(causeCode, where);
  }
  return new FlowError("llm.error", error instanceof Error ? error.message : String(error), {
    nodeId: where.nodeId,
  });
}
