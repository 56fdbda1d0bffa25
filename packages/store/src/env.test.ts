import { describe, expect, it } from "vitest";
import {
  checkEnvReferences,
  findEnvReferences,
  hasMalformedEnvReference,
  isEnvReference,
  resolveEnvReferences,
} from "./env.js";

const where = { connection: "tenant", field: "apiKey" };

describe("env references", () => {
  it("finds whole references only", () => {
    expect(findEnvReferences("${env:A}/x/${env:B_2}")).toEqual(["A", "B_2"]);
    expect(isEnvReference("${env:KEY}")).toBe(true);
    expect(isEnvReference("Bearer ${env:KEY}")).toBe(false);
    expect(isEnvReference("${env:1KEY}")).toBe(false);
  });

  it("resolves references inside text from the given environment", () => {
    expect(resolveEnvReferences("https://${env:HOST}/models", { HOST: "h.example" }, where)).toBe(
      "https://h.example/models",
    );
    expect(resolveEnvReferences("plain ${other}", {}, where)).toBe("plain ${other}");
  });

  it("fails on unset and empty variables, naming connection, field and variable only", () => {
    const run = (env: NodeJS.ProcessEnv) => () => resolveEnvReferences("${env:TENANT_KEY}", env, where);
    expect(run({})).toThrow('connection "tenant" field apiKey: environment variable TENANT_KEY is not set');
    expect(run({ TENANT_KEY: "" })).toThrow(/environment variable TENANT_KEY is empty$/);
    expect(run({ OTHER: "x" })).toThrow(
      expect.objectContaining({ code: "connection.env-missing", path: "tenant.apiKey" }),
    );
  });

  it("rejects malformed references instead of sending them as text", () => {
    for (const text of ["${env:}", "${env:MY-KEY}", "${env:KEY", "${env:A} ${env:"]) {
      expect(hasMalformedEnvReference(text)).toBe(true);
      expect(() => checkEnvReferences(text, where)).toThrow(/malformed environment reference/);
      expect(() => resolveEnvReferences(text, { KEY: "x", A: "y" }, where)).toThrow(/malformed/);
    }
    expect(hasMalformedEnvReference("${env:A}-${env:B}")).toBe(false);
  });
});
