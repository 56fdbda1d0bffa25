import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

const moderate = (inputs: Record<string, unknown>) => ({
  nodes: [{ id: "moderate", type: "content-safety-text", connection: "moderation", inputs }],
});

describe("weft schema completes content-safety-text", () => {
  it("lists its inputs, their sensitivities and defaults, and refuses unknown ones", async () => {
    const { code, stdout, stderr } = await runCli(["schema"]);
    expect(code, stderr).toBe(0);
    const schema = JSON.parse(stdout);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

    const text = JSON.stringify(schema);
    for (const word of [
      "content-safety-text",
      "low_sensitivity",
      "medium_sensitivity",
      "blocklistNames",
      "selfHarm",
    ]) {
      expect(text).toContain(word);
    }
    expect(validate(moderate({ text: "hi" }))).toBe(true);
    expect(
      validate(
        moderate({
          text: "${inputs.question}",
          hate: "high_sensitivity",
          sexual: "disable",
          selfHarm: "${inputs.level}",
          violence: "low_sensitivity",
          blocklistNames: ["banned-words"],
        }),
      ),
    ).toBe(true);
    expect(validate(moderate({ text: "hi", hate: "extreme" }))).toBe(false);
    expect(validate(moderate({ text: "hi", severity: 2 }))).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        keyword: "additionalProperties",
        params: { additionalProperty: "severity" },
      }),
    );
    expect(validate(moderate({}))).toBe(false);
  });
});
