import { expect, it } from "vitest";
import { matchRoute } from "./routes.js";

it("classifies the four chat URL shapes and the model info", () => {
  expect(matchRoute("POST", "/v1/chat/completions")).toEqual({ kind: "chat", route: "openai-v1" });
  expect(matchRoute("POST", "/openai/v1/chat/completions")).toEqual({
    kind: "chat",
    route: "azure-openai-v1",
  });
  expect(matchRoute("POST", "/models/chat/completions/")).toEqual({ kind: "chat", route: "foundry-models" });
  expect(matchRoute("POST", "/openai/deployments/my%20dep/chat/completions")).toEqual({
    kind: "chat",
    route: "azure-deployment",
    deployment: "my dep",
  });
  expect(matchRoute("GET", "/models/info")).toEqual({ kind: "models-info", route: "models-info" });
});

it("sends everything else to not-found", () => {
  for (const [method, path] of [
    ["GET", "/v1/chat/completions"],
    ["POST", "/v1/completions"],
    ["POST", "/openai/deployments/gpt-4o-mini/openai/chat/completions"],
    ["POST", "/openai/deployments//chat/completions"],
    ["POST", "/models/openai/deployments/x/chat/completions"],
  ] as const) {
    expect(matchRoute(method, path).kind).toBe("not-found");
  }
});
