import { expect, it } from "vitest";
import { Timers } from "./timers.js";

it("resolves true when the time is up", async () => {
  const timers = new Timers();
  expect(await timers.wait(1)).toBe(true);
  expect(await timers.wait(0)).toBe(true);
  expect(timers.pendingCount).toBe(0);
});

it("resolves false and forgets the timer when the signal aborts", async () => {
  const timers = new Timers();
  const controller = new AbortController();
  const waiting = timers.wait(600_000, controller.signal);
  expect(timers.pendingCount).toBe(1);
  controller.abort();
  expect(await waiting).toBe(false);
  expect(timers.pendingCount).toBe(0);
  expect(await timers.wait(600_000, controller.signal)).toBe(false);
});

it("cancels every pending wait at once", async () => {
  const timers = new Timers();
  const waits = [timers.wait(600_000), timers.wait(600_000)];
  timers.cancelAll();
  expect(await Promise.all(waits)).toEqual([false, false]);
  expect(timers.pendingCount).toBe(0);
});
