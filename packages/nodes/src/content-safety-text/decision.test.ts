import { describe, expect, it } from "vitest";
import {
  decide,
  HARM_CATEGORIES,
  type HarmCategory,
  REJECT_THRESHOLDS,
  SENSITIVITIES,
  type Sensitivity,
} from "./decision.js";

const all = (sensitivity: Sensitivity) =>
  Object.fromEntries(HARM_CATEGORIES.map((category) => [category, sensitivity])) as Record<
    HarmCategory,
    Sensitivity
  >;

const only = (category: HarmCategory, severity: number) => new Map([[category, severity]]);

describe("decide (promptflow's make_decision)", () => {
  it("uses promptflow's thresholds", () => {
    expect(REJECT_THRESHOLDS).toEqual({
      disable: -1,
      low_sensitivity: 6,
      medium_sensitivity: 4,
      high_sensitivity: 2,
    });
  });

  it.each([
    ["low_sensitivity", [0, 2, 4], [6]],
    ["medium_sensitivity", [0, 2], [4, 6]],
    ["high_sensitivity", [0], [2, 4, 6]],
    ["disable", [0, 2, 4, 6], []],
  ] as const)("%s accepts severities %j and rejects %j", (sensitivity, accepted, rejected) => {
    for (const severity of accepted) {
      expect(decide(only("Violence", severity), all(sensitivity), false)).toMatchObject({
        suggestedAction: "Accept",
        actionByCategory: { Violence: "Accept" },
      });
    }
    for (const severity of rejected) {
      expect(decide(only("Violence", severity), all(sensitivity), false)).toEqual({
        suggestedAction: "Reject",
        actionByCategory: { Hate: "Accept", SelfHarm: "Accept", Sexual: "Accept", Violence: "Reject" },
      });
    }
  });

  it("judges each category by its own sensitivity", () => {
    const severities = new Map([
      ["Hate", 2],
      ["SelfHarm", 2],
      ["Sexual", 6],
      ["Violence", 4],
    ]);
    const sensitivities = {
      Hate: "high_sensitivity",
      SelfHarm: "medium_sensitivity",
      Sexual: "disable",
      Violence: "low_sensitivity",
    } as const;
    expect(decide(severities, sensitivities, false)).toEqual({
      suggestedAction: "Reject",
      actionByCategory: { Hate: "Reject", SelfHarm: "Accept", Sexual: "Accept", Violence: "Accept" },
    });
  });

  it("rejects on any blocklist match, even with every category disabled", () => {
    expect(decide(new Map(), all("disable"), true)).toEqual({
      suggestedAction: "Reject",
      actionByCategory: { Hate: "Accept", SelfHarm: "Accept", Sexual: "Accept", Violence: "Accept" },
    });
  });

  it("accepts a category the service did not rate", () => {
    for (const sensitivity of SENSITIVITIES) {
      expect(decide(new Map(), all(sensitivity), false).suggestedAction).toBe("Accept");
    }
  });
});
