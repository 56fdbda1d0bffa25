import type { ChatRequestInfo, EmbeddingsRequestInfo, Rule, RuleMatch, TextMatcher } from "./types.js";

interface RuleSlot {
  rule: Rule;
  uses: number;
}

/**
 * The scripted rules of a server, in order, with how often each has been applied so that rules with
 * `times` run out.
 */
export class RuleBook {
  readonly #initial: readonly Rule[];
  #slots: RuleSlot[];

  constructor(initial: readonly Rule[] = []) {
    initial.forEach(checkRule);
    this.#initial = [...initial];
    this.#slots = this.#initial.map((rule) => ({ rule, uses: 0 }));
  }

  /** Appends a rule, tried after the existing ones. */
  add(rule: Rule): void {
    checkRule(rule);
    this.#slots.push({ rule, uses: 0 });
  }

  /** Back to the rules given at construction, none of them used. */
  reset(): void {
    this.#slots = this.#initial.map((rule) => ({ rule, uses: 0 }));
  }

  /**
   * The first unspent rule matching the request, counted as used; `key` is the presented key, compared
   * with `match.key` but not kept.
   */
  take(request: ChatRequestInfo | EmbeddingsRequestInfo, key: string | undefined): Rule | undefined {
    const operation = "operation" in request ? request.operation : "chat";
    return this.takeWhere(
      (rule) => !isSearchRule(rule) && appliesTo(rule, operation) && ruleMatches(rule.match, request, key),
    );
  }

  /** The first unspent rule `applies` accepts, counted as used (requests other than chat completions). */
  takeWhere(applies: (rule: Rule) => boolean): Rule | undefined {
    const slot = this.#slots.find(({ rule, uses }) => !isSpent(rule, uses) && applies(rule));
    if (slot === undefined) return undefined;
    slot.uses += 1;
    return slot.rule;
  }
}

/** A rule only SerpAPI searches can meet: it gives results or matches a query or an engine. */
function isSearchRule(rule: Rule): boolean {
  return rule.results !== undefined || rule.match?.query !== undefined || rule.match?.engine !== undefined;
}

function isSpent(rule: Rule, uses: number): boolean {
  return rule.times !== undefined && uses >= rule.times;
}

/** A rule's operation: as its match says, else `chat` for a reply, `embeddings` for vectors, else both. */
function appliesTo(rule: Rule, operation: "chat" | "embeddings"): boolean {
  const own =
    rule.match?.operation ??
    (rule.reply !== undefined ? "chat" : rule.embeddings !== undefined ? "embeddings" : undefined);
  return own === undefined || own === operation;
}

/** Whether every condition given in `match` holds for the request. */
export function ruleMatches(
  match: RuleMatch | undefined,
  request: ChatRequestInfo | EmbeddingsRequestInfo,
  key: string | undefined,
): boolean {
  if (match === undefined) return true;
  if (match.route !== undefined && match.route !== request.route) return false;
  const input = "operation" in request ? request.input : undefined;
  if (match.input !== undefined && !input?.some((text) => textMatches(match.input!, text))) return false;
  if (match.model !== undefined && !textMatches(match.model, request.model)) return false;
  if (match.deployment !== undefined && !textMatches(match.deployment, request.deployment)) return false;
  const lastUserMessage = "operation" in request ? undefined : request.lastUserMessage;
  if (match.lastUserMessage !== undefined && !textMatches(match.lastUserMessage, lastUserMessage)) {
    return false;
  }
  if (match.key !== undefined && match.key !== request.keyName && match.key !== key) return false;
  return true;
}

export function textMatches(matcher: TextMatcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (typeof matcher === "string") return matcher === value;
  matcher.lastIndex = 0;
  return matcher.test(value);
}

function checkRule(rule: Rule): void {
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 0)) {
    throw new TypeError(`Expected \`rule.times\` to be a non-negative integer, got ${String(rule.times)}`);
  }
  const answers = (["reply", "embeddings", "results", "fault"] as const).filter(
    (field) => rule[field] !== undefined,
  );
  if (answers.length > 1) {
    throw new TypeError(
      `Expected a rule to have at most one of \`reply\`, \`embeddings\`, \`results\` and \`fault\`, got ${answers.join(" and ")}`,
    );
  }
  const fault = rule.fault;
  if ((fault?.type === "stream-cut" || fault?.type === "stream-error") && !(fault.afterChunks >= 0)) {
    throw new TypeError(
      `Expected \`fault.afterChunks\` to be a non-negative number, got ${String(fault.afterChunks)}`,
    );
  }
}
