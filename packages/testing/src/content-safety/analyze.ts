import { createHash } from "node:crypto";
import { CONTENT_SAFETY_CATEGORIES } from "./read-request.js";
import type {
  ContentSafetyAnalysis,
  ContentSafetyBlocklistMatch,
  ContentSafetyCategory,
  ContentSafetyRequestInfo,
} from "./types.js";

/** Marker words and the category they set: `hate:4`, `selfharm:2` (or `self-harm:2`), `sexual:6`, `violence:7`. */
const MARKER = /(?<![\p{L}\p{N}])(hate|self-?harm|sexual|violence):([0-7])(?![\p{N}])/giu;

const CATEGORY_BY_MARKER: Record<string, ContentSafetyCategory> = {
  hate: "Hate",
  selfharm: "SelfHarm",
  "self-harm": "SelfHarm",
  sexual: "Sexual",
  violence: "Violence",
};

/**
 * The deterministic analysis of a text. A marker word `<category>:<0-7>` sets that category's
 * severity on the eight-level scale (the highest marker of a category wins; no marker is 0);
 * `FourSeverityLevels` answers round down to 0, 2, 4 or 6, as the service's four-level output does.
 * Blocklist terms match case-insensitively anywhere in the text, each term once.
 */
export function analyzeText(
  request: ContentSafetyRequestInfo,
  blocklists: ReadonlyMap<string, readonly string[]>,
): ContentSafetyAnalysis {
  const blocklistsMatch = matchBlocklists(request, blocklists);
  if (request.haltOnBlocklistHit && blocklistsMatch.length > 0) {
    return { blocklistsMatch, categoriesAnalysis: [] };
  }
  const severities = markerSeverities(request.text);
  const categoriesAnalysis = CONTENT_SAFETY_CATEGORIES.filter((category) =>
    request.categories.includes(category),
  ).map((category) => {
    const severity = severities.get(category) ?? 0;
    return {
      category,
      severity: request.outputType === "FourSeverityLevels" ? severity - (severity % 2) : severity,
    };
  });
  return { blocklistsMatch, categoriesAnalysis };
}

function markerSeverities(text: string): Map<ContentSafetyCategory, number> {
  const severities = new Map<ContentSafetyCategory, number>();
  for (const match of text.matchAll(MARKER)) {
    const category = CATEGORY_BY_MARKER[(match[1] ?? "").toLowerCase()];
    const severity = Number(match[2]);
    if (category && severity > (severities.get(category) ?? 0)) severities.set(category, severity);
  }
  return severities;
}

function matchBlocklists(
  request: ContentSafetyRequestInfo,
  blocklists: ReadonlyMap<string, readonly string[]>,
): ContentSafetyBlocklistMatch[] {
  const text = request.text.toLowerCase();
  const matches: ContentSafetyBlocklistMatch[] = [];
  for (const blocklistName of request.blocklistNames) {
    for (const [index, term] of (blocklists.get(blocklistName) ?? []).entries()) {
      if (term !== "" && text.includes(term.toLowerCase())) {
        matches.push({
          blocklistName,
          blocklistItemId: blocklistItemId(blocklistName, index),
          blocklistItemText: term,
        });
      }
    }
  }
  return matches;
}

/** A stable GUID-shaped id for a blocklist item, as the service gives each item one. */
export function blocklistItemId(blocklistName: string, index: number): string {
  const hex = createHash("sha256").update(`${blocklistName}\0${index}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
