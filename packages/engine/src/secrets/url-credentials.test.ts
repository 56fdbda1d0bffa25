import { describe, expect, it } from "vitest";
import { hasUrlCredentialParameter, hasUrlUserinfo, maskUrlCredentials } from "./url-credentials.js";

const KEY = "test-key-CANARY-url-8d1e";

describe("maskUrlCredentials", () => {
  it("masks userinfo whether or not the URL parses", () => {
    const cases: Array<[string, string]> = [
      // Port out of range: `new URL()` throws on this one.
      [`https://user:${KEY}@example.com:99999/models`, "https://***@example.com:99999/models"],
      [`https://user:${KEY}@example.com/models`, "https://***@example.com/models"],
      [`https://${KEY}@example.com/models`, "https://***@example.com/models"],
      [`http://user:${KEY}@127.0.0.1:9/openai/deployments/x`, "http://***@127.0.0.1:9/openai/deployments/x"],
      // Unescaped / and @ in the password: no parser accepts them, the whole userinfo is masked.
      [`https://user:ab/cd+${KEY}==@host.example/models`, "https://***@host.example/models"],
      [`https://user:p@ss${KEY}@host.example/models`, "https://***@host.example/models"],
      [`sftp://user:${KEY}@files.example`, "sftp://***@files.example"],
    ];
    for (const [text, masked] of cases) expect(maskUrlCredentials(text), text).toBe(masked);
  });

  it("masks URLs inside messages and JSON, and each URL of a list", () => {
    expect(maskUrlCredentials(`invalid endpoint URL: got "https://u:${KEY}@h:99999/models"`)).toBe(
      'invalid endpoint URL: got "https://***@h:99999/models"',
    );
    expect(maskUrlCredentials(JSON.stringify({ endpoint: `https://u:${KEY}@h/models?key=${KEY}` }))).toBe(
      '{"endpoint":"https://***@h/models?key=***"}',
    );
    expect(maskUrlCredentials(`https://a.example/x,https://u:${KEY}@b.example/y`)).toBe(
      "https://a.example/x,https://***@b.example/y",
    );
  });

  it("masks query and fragment parameters that carry keys, whatever their case", () => {
    const names = [
      "api-key",
      "api_key",
      "apikey",
      "API-KEY",
      "x-api-key",
      "key",
      "Key",
      "subscription-key",
      "Ocp-Apim-Subscription-Key",
      "code",
      "sig",
      "token",
      "access_token",
      "client_secret",
      "password",
    ];
    for (const name of names) {
      const text = `https://example.com/v1/chat?api-version=2024-10-21&${name}=${KEY}&stream=true`;
      expect(maskUrlCredentials(text), name).toBe(
        `https://example.com/v1/chat?api-version=2024-10-21&${name}=***&stream=true`,
      );
    }
    expect(maskUrlCredentials(`https://example.com/v1?api-key=${KEY}`)).toBe(
      "https://example.com/v1?api-key=***",
    );
    expect(maskUrlCredentials(`https://app.example/cb#access_token=${KEY}&state=1`)).toBe(
      "https://app.example/cb#access_token=***&state=1",
    );
  });

  it("masks a URL cut short before its userinfo ended, as a long value quoted in a message is", () => {
    const long = `https://user:${KEY}${"x".repeat(80)}@example.com/models`;
    expect(maskUrlCredentials(`got "${long.slice(0, 30)}…" (${long.length} characters)`)).toBe(
      `got "https://***…" (${long.length} characters)`,
    );
    expect(maskUrlCredentials(`got "${long.slice(0, 30)}..."`)).toBe('got "https://***..."');
    expect(maskUrlCredentials(`https://example.com/models?api-key=${KEY.slice(0, 10)}…`)).toBe(
      "https://example.com/models?api-key=***",
    );
    // A cut after the host is not userinfo.
    expect(maskUrlCredentials("see https://example.com/a/long/path…")).toBe(
      "see https://example.com/a/long/path…",
    );
  });

  it("leaves URLs without credentials as they are", () => {
    for (const text of [
      "https://res.services.ai.azure.com/models?api-version=2024-05-01-preview",
      "https://medium.com/@someone/a-post",
      "https://host.example:8080/users/@me",
      "https://example.com/search?monkey=1&keyword=secret&tokens=5",
      "write to someone@example.com, or see https://example.com",
      "${env:CUSTOMER_ENDPOINT}",
      "a = b, and c == d",
      "https://***@example.com/models?api-key=***",
    ]) {
      expect(maskUrlCredentials(text), text).toBe(text);
    }
  });

  it("is idempotent", () => {
    const text = `https://u:${KEY}@h/models?api-key=${KEY}`;
    expect(maskUrlCredentials(maskUrlCredentials(text))).toBe(maskUrlCredentials(text));
  });
});

describe("hasUrlUserinfo", () => {
  it("finds a user name or password in well-formed and malformed URLs", () => {
    expect(hasUrlUserinfo(`https://user:${KEY}@example.com:99999/models`)).toBe(true);
    expect(hasUrlUserinfo(`https://user@example.com/models`)).toBe(true);
    expect(hasUrlUserinfo("https://example.com/models")).toBe(false);
    expect(hasUrlUserinfo("https://medium.com/@someone")).toBe(false);
    expect(hasUrlUserinfo(`https://example.com/models?api-key=${KEY}`)).toBe(false);
  });
});

describe("hasUrlCredentialParameter", () => {
  it("finds a query or fragment parameter that carries a key", () => {
    expect(hasUrlCredentialParameter(`https://example.com/models?api-key=${KEY}`)).toBe(true);
    expect(hasUrlCredentialParameter(`https://example.com/models?x=1&Subscription-Key=${KEY}`)).toBe(true);
    expect(hasUrlCredentialParameter("https://example.com/models?api-version=2024-10-21")).toBe(false);
    expect(hasUrlCredentialParameter("https://example.com/models")).toBe(false);
  });
});
