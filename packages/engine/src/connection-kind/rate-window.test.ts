import { describe, expect, it } from "vitest";
import { RateWindow } from "./rate-window.js";

describe("RateWindow", () => {
  it("admits up to the limit in any window, not twice the limit across a window's edge", () => {
    const window = new RateWindow(3, 1000);
    for (const at of [900, 950, 999]) {
      expect(window.waitMs(1, at)).toBe(0);
      window.take(1, at);
    }
    // A fixed window starting at 0 would reset at 1000 and let three more through at once.
    expect(window.waitMs(1, 1000)).toBe(900);
    expect(window.waitMs(1, 1900)).toBe(0);
    window.take(1, 1900);
    expect(window.waitMs(1, 1900)).toBe(50);
  });

  it("gives room back when an estimate is replaced by a smaller count, and takes more for a larger one", () => {
    const window = new RateWindow(100, 60_000);
    const first = window.take(60, 0);
    expect(window.waitMs(50, 0)).toBe(60_000);
    let freed = 0;
    window.onFreed = () => freed++;
    window.adjust(first, 20, 10);
    expect(freed).toBe(1);
    expect(window.waitMs(50, 10)).toBe(0);
    window.adjust(first, 90, 20);
    expect(freed).toBe(1);
    expect(window.waitMs(50, 20)).toBe(59_980);
  });

  it("lets an amount larger than the whole limit through once the window is empty", () => {
    const window = new RateWindow(10, 1000);
    expect(window.waitMs(50, 0)).toBe(0);
    window.take(50, 0);
    expect(window.waitMs(50, 500)).toBe(500);
    expect(window.waitMs(50, 1000)).toBe(0);
    expect(window.isEmpty(1000)).toBe(true);
  });

  it("ignores adjustments of entries that already left the window", () => {
    const window = new RateWindow(10, 1000);
    const entry = window.take(5, 0);
    window.take(5, 500);
    window.adjust(entry, 0, 1200);
    expect(window.waitMs(5, 1200)).toBe(0);
    expect(window.waitMs(6, 1200)).toBe(300);
  });
});
