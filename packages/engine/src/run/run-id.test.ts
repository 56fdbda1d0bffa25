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

  it("stays ordered and unique where the low half of the counter carries", () => {
    let previous = newRunId();
    let carried = 0;
    // The low 24 bits start anywhere: within 2^24 ids they carry into the high ones once.
    for (let index = 0; index < 2 ** 24 && carried === 0; index++) {
      const id = newRunId();
      if (id <= previous) throw new Error(`${id} came after ${previous}`);
      if (id.endsWith("000000")) carried += 1;
      previous = id;
    }
    expect(carried).toBe(1);
    expect(previous).toMatch(UUID_V4);
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
