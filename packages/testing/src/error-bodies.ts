import { STATUS_CODES } from "node:http";

/** `{"error":{…}}`, the envelope both OpenAI and Azure use for HTTP errors. */
export interface ErrorBody {
  error: Record<string, unknown>;
}

/** Which service's wording to imitate: OpenAI (`message/type/param/code`) or Azure (`code/message`). */
export type ErrorFlavor = "openai" | "azure";

/** Azure's 401 for a wrong key (also what the Azure OpenAI v1 API sends). */
export function invalidKeyBody(): ErrorBody {
  return {
    error: {
      code: "401",
      message:
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    },
  };
}

/** Azure's 401 when no key header was sent. */
export function missingKeyBody(): ErrorBody {
  return {
    error: {
      code: "401",
      message:
        "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
    },
  };
}

/** Azure's answer for an unknown path, or a deployment path without `api-version`. */
export function resourceNotFoundBody(): ErrorBody {
  return { error: { code: "404", message: "Resource not found" } };
}

/** OpenAI's 400 for a request the server cannot use. */
export function invalidRequestBody(message: string, param: string | null, code: string | null): ErrorBody {
  return { error: { message, type: "invalid_request_error", param, code } };
}

/** Bodies the real services send for specific `error.code`s, whatever the route. */
const bodiesByCode: Record<string, () => Record<string, unknown>> = {
  insufficient_quota: () => ({
    message:
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
    type: "insufficient_quota",
    param: null,
    code: "insufficient_quota",
  }),
  rate_limit_exceeded: () => ({
    message:
      "Rate limit reached for requests. Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
    type: "requests",
    param: null,
    code: "rate_limit_exceeded",
  }),
  context_length_exceeded: () => ({
    message:
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
    type: "invalid_request_error",
    param: "messages",
    code: "context_length_exceeded",
  }),
  content_filter: () => ({
    message:
      "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
    type: null,
    param: "prompt",
    code: "content_filter",
    status: 400,
    innererror: {
      code: "ResponsibleAIPolicyViolation",
      content_filter_result: {
        hate: { filtered: true, severity: "high" },
        self_harm: { filtered: false, severity: "safe" },
        sexual: { filtered: false, severity: "safe" },
        violence: { filtered: false, severity: "safe" },
      },
    },
  }),
};

const openaiBodies: Record<number, () => Record<string, unknown>> = {
  400: () => ({ message: "Invalid request.", type: "invalid_request_error", param: null, code: null }),
  404: () => ({
    message: "The model does not exist or you do not have access to it.",
    type: "invalid_request_error",
    param: null,
    code: "model_not_found",
  }),
  429: () => bodiesByCode.rate_limit_exceeded!(),
  500: () => ({
    message: "The server had an error while processing your request. Sorry about that!",
    type: "server_error",
    param: null,
    code: null,
  }),
  503: () => ({
    message: "The server is overloaded or not ready yet.",
    type: "server_error",
    param: null,
    code: null,
  }),
};

const azureBodies: Record<number, () => Record<string, unknown>> = {
  400: () => ({ message: "Invalid request.", type: "invalid_request_error", param: null, code: null }),
  404: () => ({
    code: "DeploymentNotFound",
    message:
      "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
  }),
  429: () => ({
    code: "429",
    message:
      "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.",
  }),
  500: () => ({
    code: "InternalServerError",
    message: "The server had an error while processing your request. Sorry about that!",
  }),
  503: () => ({
    code: "ServiceUnavailable",
    message: "The service is temporarily unable to process your request. Please try again later.",
  }),
};

/**
 * The body for an injected HTTP error: the service's usual body for the status (or for `code`, when
 * it is a known one), with `code` and `message` overriding its fields when given.
 */
export function statusErrorBody(
  status: number,
  flavor: ErrorFlavor,
  overrides: { code?: string; message?: string } = {},
): ErrorBody {
  const known = overrides.code === undefined ? undefined : bodiesByCode[overrides.code];
  const byStatus =
    status === 401 ? () => invalidKeyBody().error : (flavor === "azure" ? azureBodies : openaiBodies)[status];
  const error = known?.() ?? byStatus?.() ?? genericError(status, flavor);
  if (overrides.code !== undefined) error.code = overrides.code;
  if (overrides.message !== undefined) error.message = overrides.message;
  return { error };
}

function genericError(status: number, flavor: ErrorFlavor): Record<string, unknown> {
  const message = STATUS_CODES[status] ?? "Error";
  if (flavor === "azure") return { code: String(status), message };
  return { message, type: status >= 500 ? "server_error" : "invalid_request_error", param: null, code: null };
}
