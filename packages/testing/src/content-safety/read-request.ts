import type { ErrorBody } from "../error-bodies.js";
import { contentSafetyError } from "./error-bodies.js";
import type { ContentSafetyCategory, ContentSafetyOutputType, ContentSafetyRequestInfo } from "./types.js";

/** The four categories, in the order the service answers them. */
export const CONTENT_SAFETY_CATEGORIES: readonly ContentSafetyCategory[] = [
  "Hate",
  "SelfHarm",
  "Sexual",
  "Violence",
];

/** The service analyses at most this many Unicode code points of text per request. */
export const MAX_ANALYZED_TEXT_LENGTH = 10_000;

const OUTPUT_TYPES: readonly ContentSafetyOutputType[] = ["FourSeverityLevels", "EightSeverityLevels"];

/** A parsed `text:analyze` request, or the 400 the service would answer. */
export type ReadAnalyzeRequest =
  | { ok: true; request: ContentSafetyRequestInfo }
  | { ok: false; error: ErrorBody };

/** Parses and checks a `text:analyze` body the way the service does. */
export function readAnalyzeRequest(
  rawBody: string,
  context: { apiVersion: string; keyName: string | undefined },
): ReadAnalyzeRequest {
  const invalid = (message: string): ReadAnalyzeRequest => ({
    ok: false,
    error: contentSafetyError("InvalidRequestBody", message),
  });
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return invalid("The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalid("The request body must be a JSON object.");
  }
  const fields = body as Record<string, unknown>;
  const { text, categories, blocklistNames, haltOnBlocklistHit, outputType } = fields;
  if (typeof text !== "string") return invalid("The field 'text' is required and must be a string.");
  if (text.trim() === "") return invalid("The field 'text' must not be empty.");
  const length = [...text].length;
  if (length > MAX_ANALYZED_TEXT_LENGTH) {
    return invalid(
      `The text is ${length} characters long; at most ${MAX_ANALYZED_TEXT_LENGTH} characters are analysed per request.`,
    );
  }
  if (
    categories !== undefined &&
    !isListOf(categories, (item) => CONTENT_SAFETY_CATEGORIES.includes(item as never))
  ) {
    return invalid(
      `The field 'categories' must list categories among ${CONTENT_SAFETY_CATEGORIES.join(", ")}.`,
    );
  }
  if (
    blocklistNames !== undefined &&
    !isListOf(blocklistNames, (item) => typeof item === "string" && item !== "")
  ) {
    return invalid("The field 'blocklistNames' must list blocklist names.");
  }
  if (haltOnBlocklistHit !== undefined && typeof haltOnBlocklistHit !== "boolean") {
    return invalid("The field 'haltOnBlocklistHit' must be a boolean.");
  }
  if (outputType !== undefined && !OUTPUT_TYPES.includes(outputType as never)) {
    return invalid(`The field 'outputType' must be one of ${OUTPUT_TYPES.join(", ")}.`);
  }
  const asked = (categories as ContentSafetyCategory[] | undefined) ?? [];
  return {
    ok: true,
    request: {
      text,
      categories: asked.length === 0 ? [...CONTENT_SAFETY_CATEGORIES] : [...new Set(asked)],
      blocklistNames: [...new Set((blocklistNames as string[] | undefined) ?? [])],
      haltOnBlocklistHit: haltOnBlocklistHit === true,
      outputType: (outputType as ContentSafetyOutputType | undefined) ?? "FourSeverityLevels",
      apiVersion: context.apiVersion,
      ...(context.keyName === undefined ? {} : { keyName: context.keyName }),
    },
  };
}

function isListOf(value: unknown, check: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(check);
}
