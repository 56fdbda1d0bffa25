import { describe, expect, it, vi } from "vitest";
import { newRunId } from "./run-id.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newRunId", () => {
  it("makes version-4 UUIDs, all different, in the order they were made", () => {
    const ids = Array.from({ length: 10_000 }, () => newRunId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("starts from a different random point in each process (each load of the module)", async () => {
    const first = newRunId();
    vi.resetModules();
    const reloaded = await import("./run-id.js");
    const second = reloaded.newRunId();
    expect(reloaded.newRunId).not.toBe(newRunId);
    expect(second).toMatch(UUID_V4);
    expect(first.slice(0, 24)).not.toBe(second.slice(0, 24));
  });
});
