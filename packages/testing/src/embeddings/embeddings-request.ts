import { type ErrorBody, invalidRequestBody } from "../error-bodies.js";
import type { ChatRoute, EmbeddingsRequestInfo, EmbeddingsRoute } from "../types.js";
import { MAX_EMBEDDING_DIMENSIONS } from "./vectors.js";

/** The name a serverless endpoint answers with when the request names no model: it serves one. */
export const SERVERLESS_MODEL = "offline-model";

/** What the URL and headers already told about an embeddings request, before its body is read. */
export interface EmbeddingsRequestContext {
  route: EmbeddingsRoute;
  wire: ChatRoute;
  deployment?: string;
  apiVersion?: string;
  keyName?: string;
}

/** A usable request, or the 400 body explaining why it is not. */
export type ReadEmbeddingsRequestResult =
  | { ok: true; request: EmbeddingsRequestInfo }
  | { ok: false; error: ErrorBody };

/**
 * Parses and checks an embeddings body the way the services do, far enough to answer it: a JSON
 * object whose `input` is a non-empty string or a non-empty array of non-empty strings (token
 * arrays are not understood here), a `model` on the routes that need one, a positive integer
 * `dimensions` up to `MAX_EMBEDDING_DIMENSIONS`, and `encoding_format` `float` or `base64`.
 */
export function readEmbeddingsRequest(
  rawBody: string,
  context: EmbeddingsRequestContext,
): ReadEmbeddingsRequestResult {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return fail("We could not parse the JSON body of your request.", null);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail("The request body must be a JSON object.", null);
  }
  const fields = body as Record<string, unknown>;
  const input = readInput(fields.input);
  if (input === undefined) {
    return fail("'$.input' is invalid: expected a non-empty string or a non-empty array of them.", "input");
  }
  const model = typeof fields.model === "string" && fields.model !== "" ? fields.model : undefined;
  const modelOrDeployment =
    model ?? context.deployment ?? (context.wire === "serverless" ? SERVERLESS_MODEL : undefined);
  if (modelOrDeployment === undefined) return fail("you must provide a model parameter", "model");
  const { dimensions } = fields;
  if (
    dimensions !== undefined &&
    (typeof dimensions !== "number" ||
      !Number.isInteger(dimensions) ||
      dimensions < 1 ||
      dimensions > MAX_EMBEDDING_DIMENSIONS)
  ) {
    return fail(`'dimensions' must be an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}.`, "dimensions");
  }
  const format = fields.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    return fail("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
  }
  const request: EmbeddingsRequestInfo = {
    operation: "embeddings",
    route: context.route,
    wire: context.wire,
    modelOrDeployment,
    input,
    encodingFormat: format,
    body: fields,
  };
  if (context.deployment !== undefined) request.deployment = context.deployment;
  if (model !== undefined) request.model = model;
  if (context.apiVersion !== undefined) request.apiVersion = context.apiVersion;
  if (context.keyName !== undefined) request.keyName = context.keyName;
  if (dimensions !== undefined) request.dimensions = dimensions;
  return { ok: true, request };
}

function readInput(input: unknown): string[] | undefined {
  if (typeof input === "string") return input === "" ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  return input.every((text) => typeof text === "string" && text !== "") ? (input as string[]) : undefined;
}

function fail(message: string, param: string | null): ReadEmbeddingsRequestResult {
  return { ok: false, error: invalidRequestBody(message, param, null) };
}
