import { describe, expect, it } from "vitest";
import { ERROR_CODES, errorKind, isFlowIssueCode } from "./codes.js";
import { errorKindOf, FlowError, toErrorInfo } from "./flow-error.js";

describe("ERROR_CODES", () => {
  it("gives every code one of the three kinds", () => {
    for (const kind of Object.values(ERROR_CODES)) expect(["user", "service", "internal"]).toContain(kind);
  });

  it("names codes as area.name, apart from the CLI's `internal`", () => {
    for (const code of Object.keys(ERROR_CODES).filter((code) => code !== "internal"))
      expect(code).toMatch(/^[a-z]+\.[a-z]+(-[a-z]+)*$/);
  });

  it("tells a flow's problems, a service's failures and bugs apart", () => {
    expect(errorKind("flow.cycle")).toBe("user");
    expect(errorKind("connection.unknown")).toBe("user");
    expect(errorKind("store.locked")).toBe("service");
    expect(errorKind("llm.rate-limited")).toBe("service");
    expect(errorKind("node.error")).toBe("internal");
  });

  it("calls a code it does not list internal, including names of Object.prototype", () => {
    expect(errorKind("custom.flaky")).toBe("internal");
    expect(errorKind("__proto__")).toBe("internal");
    expect(errorKind("toString")).toBe("internal");
    expect(isFlowIssueCode("flow.cycle")).toBe(true);
    expect(isFlowIssueCode("flow.__proto__")).toBe(false);
    expect(isFlowIssueCode("input.invalid")).toBe(false);
  });
});

describe("FlowError kinds", () => {
  it("carries its code's kind; anything else thrown is internal", () => {
    expect(new FlowError("input.invalid", "x").kind).toBe("user");
    expect(errorKindOf(new FlowError("llm.timeout", "x"))).toBe("service");
    expect(errorKindOf(new TypeError("x"))).toBe("internal");
    expect(errorKindOf("a string")).toBe("internal");
  });

  it("keeps the codes of results: a FlowError's own, node.error for anything else", () => {
    expect(toErrorInfo(new FlowError("node.timeout", "slow"))).toEqual({
      code: "node.timeout",
      message: "slow",
    });
    expect(toErrorInfo(new TypeError("bad"), "a")).toEqual({
      code: "node.error",
      message: "bad",
      nodeId: "a",
    });
  });
});
