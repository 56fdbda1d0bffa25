/** The harm categories the node analyses, in the order the service answers them. */
export const HARM_CATEGORIES = ["Hate", "SelfHarm", "Sexual", "Violence"] as const;

/** A harm category, as the service names it. */
export type HarmCategory = (typeof HARM_CATEGORIES)[number];

/** How sensitive the node is to one category, as promptflow's Content Safety (Text) tool names it. */
export const SENSITIVITIES = [
  "disable",
  "low_sensitivity",
  "medium_sensitivity",
  "high_sensitivity",
] as const;

/** A sensitivity level. */
export type Sensitivity = (typeof SENSITIVITIES)[number];

/**
 * The severity at and above which a category is rejected, per sensitivity: promptflow's
 * `switch_category_threshold`. `disable` (-1) never rejects. Severities are the service's
 * four-level scale: 0 safe, 2 low, 4 medium, 6 high.
 */
export const REJECT_THRESHOLDS: Readonly<Record<Sensitivity, number>> = Object.freeze({
  disable: -1,
  low_sensitivity: 6,
  medium_sensitivity: 4,
  high_sensitivity: 2,
});

/** Accept or reject. */
export type Action = "Accept" | "Reject";

/** The node's verdict on one text. */
export interface Decision {
  suggestedAction: Action;
  actionByCategory: Record<HarmCategory, Action>;
}

/**
 * promptflow's `make_decision`: a category is rejected when its sensitivity is not `disable` and
 * its severity reaches the threshold; the text is rejected when any category is, or when any
 * blocklist matched. A category the service did not rate (severity unknown) is accepted.
 */
export function decide(
  severities: ReadonlyMap<string, number>,
  sensitivities: Readonly<Record<HarmCategory, Sensitivity>>,
  blocklistMatched: boolean,
): Decision {
  const entries = HARM_CATEGORIES.map((category): [HarmCategory, Action] => {
    const threshold = REJECT_THRESHOLDS[sensitivities[category]];
    const severity = severities.get(category);
    const rejected = threshold !== -1 && severity !== undefined && severity >= threshold;
    return [category, rejected ? "Reject" : "Accept"];
  });
  const actionByCategory = Object.fromEntries(entries) as Record<HarmCategory, Action>;
  const rejected = blocklistMatched || entries.some(([, action]) => action === "Reject");
  return { suggestedAction: rejected ? "Reject" : "Accept", actionByCategory };
}
