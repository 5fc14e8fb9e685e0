import { describe, expect, it } from "vitest";
import { Notifier } from "./notifier";

/** A sender whose statements finish when the test says so. */
function controlledSender() {
  const sent: Array<Array<[string, string]>> = [];
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const send = (pairs: Array<[string, string]>) => {
    sent.push(pairs);
    return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  };
  const settle = async (fail?: Error) => {
    const p = pending.shift()!;
    if (fail) p.reject(fail);
    else p.resolve();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { sent, send, settle, inFlight: () => pending.length };
}

describe("notifier (NOTIFY after commit, merged)", () => {
  it("sends at once when idle, and merges what comes while a statement is on its way into the next one", async () => {
    const s = controlledSender();
    const n = new Notifier(s.send);
    n.notify("events", ["r1"]);
    expect(s.sent).toEqual([[["events", "r1"]]]);
    n.notify("events", ["r2", "r3"]);
    n.notify("events", ["r2"]);
    n.notify("tasks");
    n.notify("tasks");
    expect(s.sent).toHaveLength(1); // still one statement in flight
    expect(s.inFlight()).toBe(1);
    await s.settle();
    expect(s.sent[1]).toEqual([
      ["events", "r2,r3"],
      ["tasks", ""],
    ]);
    await s.settle();
    const drained = n.drain();
    await drained;
    expect(s.sent).toHaveLength(2);
    expect(s.inFlight()).toBe(0);
  });

  it("with a pause, sends at most one statement per pause under load, the first one at once", async () => {
    const times: number[] = [];
    const sent: Array<Array<[string, string]>> = [];
    const n = new Notifier(async (pairs) => void (sent.push(pairs), times.push(performance.now())), 60);
    n.notify("events", ["r1"]);
    expect(sent).toHaveLength(1); // at once, not after the pause
    await new Promise((r) => setTimeout(r, 10));
    n.notify("events", ["r2"]);
    n.notify("events", ["r3"]);
    await n.drain();
    expect(sent).toEqual([[["events", "r1"]], [["events", "r2,r3"]]]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(55);
  });

  it("splits long id lists into payloads of 200 ids", async () => {
    const s = controlledSender();
    const n = new Notifier(s.send);
    const ids = Array.from({ length: 450 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    n.notify("events", ids);
    const payloads = s.sent[0]!.map(([, p]) => p.split(","));
    expect(payloads.map((p) => p.length)).toEqual([200, 200, 50]);
    expect(payloads.flat()).toEqual(ids);
    expect(Math.max(...s.sent[0]!.map(([, p]) => p.length))).toBeLessThan(8000);
    await s.settle();
  });

  it("reports a failed send and goes on with the next notifications", async () => {
    const s = controlledSender();
    const n = new Notifier(s.send);
    const errors: unknown[] = [];
    n.notify("events", ["r1"], (e) => errors.push(e));
    n.notify("events", ["r2"]);
    await s.settle(new Error("connection lost"));
    expect(errors).toEqual([new Error("connection lost")]);
    expect(s.sent[1]).toEqual([["events", "r2"]]);
    await s.settle();
    await n.drain();
  });
});
