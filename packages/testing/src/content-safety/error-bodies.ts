import { STATUS_CODES } from "node:http";
import type { ErrorBody } from "../error-bodies.js";
import { invalidKeyBody } from "../error-bodies.js";

/**
 * Content Safety's own error envelope: `{ error: { code, message, details, innererror? } }` with
 * the codes its documentation lists (InvalidRequestBody, ResourceNotFound, TooManyRequests,
 * InternalError, ServerBusy).
 */
export function contentSafetyError(code: string, message: string): ErrorBody {
  return { error: { code, message, details: [] } };
}

const bodiesByStatus: Record<number, () => ErrorBody> = {
  400: () => contentSafetyError("InvalidRequestBody", "The request body is invalid."),
  404: () => contentSafetyError("ResourceNotFound", "The resource was not found."),
  429: () =>
    contentSafetyError(
      "TooManyRequests",
      "The current requests per second have exceeded the quota of your pricing tier. Please retry after a short while.",
    ),
  500: () =>
    contentSafetyError("InternalError", "Some unexpected situations on the server side have been triggered."),
  503: () => contentSafetyError("ServerBusy", "The server side cannot process the request temporarily."),
};

/**
 * The body for an injected HTTP error on a Content Safety route: 401 is the gateway's wrong-key
 * body (as on every Azure AI service), other statuses Content Safety's own, `code` and `message`
 * overriding its fields when given.
 */
export function contentSafetyStatusBody(
  status: number,
  overrides: { code?: string; message?: string } = {},
): ErrorBody {
  const body =
    status === 401
      ? invalidKeyBody()
      : (bodiesByStatus[status]?.() ?? contentSafetyError(String(status), STATUS_CODES[status] ?? "Error"));
  if (overrides.code !== undefined) body.error.code = overrides.code;
  if (overrides.message !== undefined) body.error.message = overrides.message;
  return body;
}
