import type { TextMatcher } from "../fault-types.js";
import type { ContentSafetyOptions, ContentSafetyRequestInfo, ContentSafetyRule } from "./types.js";

/**
 * The server's Content Safety settings: the blocklists, and the scripted rules in order with how
 * often each has been applied, so that rules with `times` run out.
 */
export class ContentSafetyState {
  /** Blocklists by name (a user's names: a Map, never object keys). */
  readonly blocklists: ReadonlyMap<string, readonly string[]>;
  readonly #initial: readonly ContentSafetyRule[];
  #slots: Array<{ rule: ContentSafetyRule; uses: number }>;

  constructor(options: ContentSafetyOptions = {}) {
    const blocklists = new Map<string, readonly string[]>();
    for (const [name, terms] of Object.entries(options.blocklists ?? {})) {
      if (!Array.isArray(terms) || !terms.every((term) => typeof term === "string")) {
        throw new TypeError(
          `Expected \`contentSafety.blocklists\` to map names to lists of terms, got ${JSON.stringify(name)}`,
        );
      }
      blocklists.set(name, [...terms]);
    }
    this.blocklists = blocklists;
    const initial = options.rules ?? [];
    initial.forEach(checkRule);
    this.#initial = [...initial];
    this.#slots = this.#initial.map((rule) => ({ rule, uses: 0 }));
  }

  /** Appends a rule, tried after the existing ones. */
  add(rule: ContentSafetyRule): void {
    checkRule(rule);
    this.#slots.push({ rule, uses: 0 });
  }

  /** Back to the rules given at construction, none of them used. */
  reset(): void {
    this.#slots = this.#initial.map((rule) => ({ rule, uses: 0 }));
  }

  /** The first unspent rule matching the request, counted as used; `key` is compared, never kept. */
  take(request: ContentSafetyRequestInfo, key: string | undefined): ContentSafetyRule | undefined {
    const slot = this.#slots.find(
      ({ rule, uses }) => (rule.times === undefined || uses < rule.times) && matches(rule, request, key),
    );
    if (slot === undefined) return undefined;
    slot.uses += 1;
    return slot.rule;
  }
}

function matches(
  rule: ContentSafetyRule,
  request: ContentSafetyRequestInfo,
  key: string | undefined,
): boolean {
  const match = rule.match;
  if (match === undefined) return true;
  if (match.text !== undefined && !textMatches(match.text, request.text)) return false;
  if (match.blocklistName !== undefined && !request.blocklistNames.includes(match.blocklistName))
    return false;
  if (match.key !== undefined && match.key !== request.keyName && match.key !== key) return false;
  return true;
}

function textMatches(matcher: TextMatcher, value: string): boolean {
  if (typeof matcher === "string") return matcher === value;
  matcher.lastIndex = 0;
  return matcher.test(value);
}

function checkRule(rule: ContentSafetyRule): void {
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 0)) {
    throw new TypeError(`Expected \`rule.times\` to be a non-negative integer, got ${String(rule.times)}`);
  }
  if (rule.analysis !== undefined && rule.fault !== undefined) {
    throw new TypeError("Expected a rule to have either `analysis` or `fault`, got both");
  }
  const type = (rule.fault as { type?: string } | undefined)?.type;
  if (type === "stream-cut" || type === "stream-error") {
    throw new TypeError(`Expected a Content Safety fault, got ${type}: the service does not stream`);
  }
}
