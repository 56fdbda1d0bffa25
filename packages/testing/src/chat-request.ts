import { SERVERLESS_MODEL } from "./embeddings/embeddings-request.js";
import { type ErrorBody, invalidRequestBody } from "./error-bodies.js";
import type { ChatMessageInfo, ChatRequestInfo, ChatRoute } from "./types.js";

/** What the URL and headers already told about a chat request, before its body is read. */
export interface ChatRequestContext {
  route: ChatRoute;
  deployment?: string;
  apiVersion?: string;
  keyName?: string;
}

/** A usable request, or the 400 body explaining why it is not. */
export type ReadChatRequestResult = { ok: true; request: ChatRequestInfo } | { ok: false; error: ErrorBody };

/**
 * Parses and checks a chat completion body the way the services do, far enough to answer it:
 * JSON object, a `messages` array, and a `model` on the routes that have no deployment in the path.
 */
export function readChatRequest(rawBody: string, context: ChatRequestContext): ReadChatRequestResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return fail(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      null,
      null,
    );
  }
  if (!isRecord(parsed)) return fail("The request body must be a JSON object.", null, null);
  const body = parsed;

  if (!Array.isArray(body.messages)) {
    return fail("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  }
  const model = typeof body.model === "string" && body.model !== "" ? body.model : undefined;
  // A serverless endpoint serves one model: a request need not name it.
  const modelOrDeployment =
    model ?? context.deployment ?? (context.route === "serverless" ? SERVERLESS_MODEL : undefined);
  if (modelOrDeployment === undefined) return fail("you must provide a model parameter", null, null);

  const messages = body.messages.filter(isRecord).map(toMessageInfo);
  const lastUserMessage = messages.findLast((message) => message.role === "user")?.content;
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  const responseFormat = isRecord(body.response_format) ? body.response_format.type : undefined;

  const request: ChatRequestInfo = {
    route: context.route,
    modelOrDeployment,
    messages,
    stream: body.stream === true,
    includeUsage: body.stream === true && streamOptions.include_usage === true,
    body,
  };
  if (context.deployment !== undefined) request.deployment = context.deployment;
  if (model !== undefined) request.model = model;
  if (context.apiVersion !== undefined) request.apiVersion = context.apiVersion;
  if (context.keyName !== undefined) request.keyName = context.keyName;
  if (lastUserMessage !== undefined) request.lastUserMessage = lastUserMessage;
  if (typeof responseFormat === "string") request.responseFormat = responseFormat;
  return { ok: true, request };
}

function toMessageInfo(message: Record<string, unknown>): ChatMessageInfo {
  const role = typeof message.role === "string" ? message.role : "unknown";
  return { role, content: contentText(message.content) };
}

/** A string content as is; an array of parts as its text parts, one per line. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isRecord)
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .filter((text) => text !== "")
    .join("\n");
}

function fail(message: string, param: string | null, code: string | null): ReadChatRequestResult {
  return { ok: false, error: invalidRequestBody(message, param, code) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
