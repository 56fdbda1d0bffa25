import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { ConnectionKinds } from "../connection-kind/connection-kinds.js";
import { defineConnectionKind, secretField } from "../connection-kind/define-connection-kind.js";
import { errorKindOf, FlowError, toErrorInfo } from "../errors/flow-error.js";
import { FlowValidationError } from "../flow/issues.js";
import { isRetryable } from "../run/retry.js";
import { Redactor } from "./redactor.js";
import { isSecret, Secret } from "./secret.js";

/**
 * A plug-in imports the installed `@weft/engine`; the `weft` command carries its own copy. After
 * `resetModules` the loader evaluates the engine's files a second time: classes equal in everything
 * but identity, as two copies are.
 */
async function otherCopy(): Promise<typeof import("../index.js")> {
  vi.resetModules();
  const other = await import("../index.js");
  expect(other.Secret).not.toBe(Secret);
  expect(other.FlowError).not.toBe(FlowError);
  return other;
}

const CANARY = "test-key-CANARY-copies-0001";

describe("a Secret of another copy of @weft/engine", () => {
  it("is a Secret here: isSecret, instanceof, the redactor and Secret.from", async () => {
    const other = await otherCopy();
    const theirs = new other.Secret(CANARY);
    expect(isSecret(theirs)).toBe(true);
    expect(theirs instanceof Secret).toBe(true);
    expect(Secret.from(theirs)).toBe(theirs);
    expect(other.isSecret(new Secret(CANARY))).toBe(true);
    const redactor = new Redactor();
    redactor.add(theirs);
    expect(JSON.stringify(redactor.redact({ key: theirs, text: `a ${CANARY} b` }))).not.toContain(CANARY);
    expect(inspect(theirs)).not.toContain(CANARY);
  });

  it("passes this copy's secret fields, and this copy's passes theirs", async () => {
    const other = await otherCopy();
    const { z } = await import("zod");
    const theirKind = defineConnectionKind({
      type: "their-service",
      description: "A kind a plug-in defines with its own copy.",
      fields: z.object({ apiKey: other.secretField() }),
      label: () => "their-host",
      identity: () => [],
    });
    const kinds = new ConnectionKinds([theirKind]);
    const connection = kinds.parse({ type: "their-service", apiKey: new Secret(CANARY) });
    expect(kinds.secrets(connection).map((secret) => secret.reveal())).toEqual([CANARY]);
    expect(kinds.fields("their-service")?.find((field) => field.name === "apiKey")?.secret).toBe("value");
    expect(secretField().safeParse(new other.Secret(CANARY)).success).toBe(true);
    // Anything else is still refused: a key written as text, or an object that only looks similar.
    expect(kinds.check({ type: "their-service", apiKey: CANARY }).problem).toContain("expected a secret");
    expect(isSecret({ reveal: () => CANARY })).toBe(false);
  });

  it("a FlowError of another copy keeps its code, kind and retryable here", async () => {
    const other = await otherCopy();
    const theirs = new other.FlowError("llm.server", "503 from their service", {
      retryable: true,
      status: 503,
    });
    expect(theirs instanceof FlowError).toBe(true);
    expect(errorKindOf(theirs)).toBe("service");
    expect(isRetryable(theirs)).toBe(true);
    expect(toErrorInfo(theirs, "n")).toEqual({
      code: "llm.server",
      message: "503 from their service",
      nodeId: "n",
      status: 503,
    });
    // Subclasses keep the ordinary check; plain errors are no FlowError.
    expect(theirs instanceof FlowValidationError).toBe(false);
    expect(new FlowValidationError([]) instanceof FlowValidationError).toBe(true);
    expect(new FlowValidationError([]) instanceof FlowError).toBe(true);
    expect(new Error("x") instanceof FlowError).toBe(false);
    expect({ code: "llm.server" } instanceof FlowError).toBe(false);
  });
});
