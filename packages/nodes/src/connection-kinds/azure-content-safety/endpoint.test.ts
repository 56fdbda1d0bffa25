import { FlowError } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { parseContentSafetyEndpoint } from "./endpoint.js";

describe("parseContentSafetyEndpoint", () => {
  it("takes the resource URL as the portal shows it, with or without a trailing slash", () => {
    expect(parseContentSafetyEndpoint("https://moderate.cognitiveservices.azure.com/")).toEqual({
      url: "https://moderate.cognitiveservices.azure.com",
      host: "moderate.cognitiveservices.azure.com",
      insecure: false,
    });
    expect(parseContentSafetyEndpoint(" https://moderate.cognitiveservices.azure.com ").url).toBe(
      "https://moderate.cognitiveservices.azure.com",
    );
  });

  it("cuts a pasted request URL back to the resource, keeping its api-version and a gateway path", () => {
    expect(
      parseContentSafetyEndpoint(
        "https://moderate.cognitiveservices.azure.com/contentsafety/text:analyze?api-version=2024-09-01",
      ),
    ).toEqual({
      url: "https://moderate.cognitiveservices.azure.com",
      host: "moderate.cognitiveservices.azure.com",
      insecure: false,
      apiVersion: "2024-09-01",
    });
    expect(parseContentSafetyEndpoint("https://gateway.example.com/team-a/ContentSafety").url).toBe(
      "https://gateway.example.com/team-a",
    );
  });

  it("allows plain http only on this machine", () => {
    expect(parseContentSafetyEndpoint("http://127.0.0.1:4010")).toMatchObject({
      url: "http://127.0.0.1:4010",
      insecure: true,
    });
    expect(() => parseContentSafetyEndpoint("http://moderate.cognitiveservices.azure.com")).toThrow(
      "plain http:// is only allowed for local servers; use https://: expected https://<resource>.cognitiveservices.azure.com, got " +
        '"http://moderate.cognitiveservices.azure.com"',
    );
  });

  it("refuses other protocols, non-URLs and credentials without repeating them", () => {
    const error = (endpoint: string) => {
      try {
        parseContentSafetyEndpoint(endpoint, { nodeId: "moderate" });
      } catch (caught) {
        expect(caught).toBeInstanceOf(FlowError);
        expect((caught as FlowError).code).toBe("connection.endpoint");
        return (caught as FlowError).message;
      }
      throw new Error("expected an error");
    };
    expect(error("ftp://x")).toMatch(/^unsupported protocol ftp:/);
    expect(error("moderate.cognitiveservices.azure.com")).toMatch(/^invalid endpoint URL/);
    const withPassword = error("https://user:hunter2-password@moderate.cognitiveservices.azure.com");
    expect(withPassword).toMatch(/^the endpoint must not contain credentials/);
    expect(withPassword).not.toContain("hunter2-password");
  });
});
