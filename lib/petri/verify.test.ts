import { describe, expect, it } from "vitest";
import { wf } from "./fixtures/build";
import { DEFECTS, PATTERNS } from "./fixtures/patterns";
import { compileWorkflow } from "./compile";
import { fire, hasTokens, type Marking } from "./net";
import { verifyWorkflow } from "./verify";

const codes = (r: ReturnType<typeof verifyWorkflow>) => [...new Set(r.issues.filter((i) => i.severity === "error").map((i) => i.code))].sort();

/** Replays a trace on the compiled net and returns the marking it reaches. */
function replay(graph: Parameters<typeof compileWorkflow>[0], transitions: string[]): Marking {
  const { net } = compileWorkflow(graph);
  let m: Marking = Uint8Array.from(net.initial);
  for (const id of transitions) {
    const t = net.transitions.find((x) => x.id === id)!;
    expect(hasTokens(t, m), `${id} enabled`).toBe(true);
    m = fire(t, m)!;
  }
  return m;
}

describe("the 20 original control-flow patterns are sound", () => {
  it.each(Object.entries(PATTERNS))("%s", (_name, graph) => {
    for (const reduce of [true, false]) {
      const r = verifyWorkflow(graph, { reduce });
      expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
      expect({ sound: r.sound, safe: r.safe, optionToComplete: r.optionToComplete, properCompletion: r.properCompletion, noDeadTransitions: r.noDeadTransitions, deadlockFree: r.deadlockFree }).toEqual({
        sound: true,
        safe: true,
        optionToComplete: true,
        properCompletion: true,
        noDeadTransitions: true,
        deadlockFree: true,
      });
    }
  });

  it("proves structured patterns by reduction, without a state space", () => {
    expect(verifyWorkflow(PATTERNS["WCP02+03 parallel split and synchronization"]).method).toBe("reduction");
    expect(verifyWorkflow(PATTERNS["WCP04+05 exclusive choice and simple merge"]).method).toBe("reduction");
    expect(verifyWorkflow(PATTERNS["WCP15 multiple instances without a priori run-time knowledge"]).method).toBe("reduction");
  });

});

describe("classic defects are found, each with a shortest counterexample that replays", () => {
  it("deadlock: exclusive split closed by a parallel join", () => {
    const g = DEFECTS["deadlock: exclusive split closed by a parallel join"];
    const r = verifyWorkflow(g);
    expect(r.sound).toBe(false);
    expect(r.deadlockFree).toBe(false);
    expect(r.safe).toBe(true);
    const d = r.issues.find((i) => i.code === "DEADLOCK")!;
    expect(d.message).toBe("The run can get stuck before it completes, with work waiting at a → j.");
    expect(d.nodeIds).toEqual(["j"]);
    expect(d.trace!.map((s) => s.transition)).toEqual(["t:s", "t:x:e2", "t:a"]);
    expect(d.trace![1]).toEqual({ transition: "t:x:e2", label: "x", nodeId: "x", consumed: ["e1"], produced: ["e2"] });
    const m = replay(g, d.trace!.map((s) => s.transition));
    const { net } = compileWorkflow(g);
    expect(net.transitions.some((t) => hasTokens(t, m))).toBe(false);
    expect(r.deadTransitions.sort()).toEqual(["t:e", "t:j"]);
    expect(codes(r)).toEqual(["DEADLOCK", "DEAD_TRANSITION"]);
  });

  it("lack of synchronisation (multi-merge): unsafe and improper completion", () => {
    const g = DEFECTS["lack of synchronisation: parallel split closed by an exclusive merge (WCP08 multi-merge)"];
    const r = verifyWorkflow(g);
    expect([r.sound, r.safe, r.properCompletion]).toEqual([false, false, false]);
    const u = r.issues.find((i) => i.code === "UNSAFE")!;
    expect(u.message).toBe("Two tokens can be on m → e at once: the next step may run twice — a lack of synchronisation.");
    expect(u.edgeIds).toEqual(["e6"]);
    expect(u.trace!.length).toBe(6);
    const m = replay(g, u.trace!.map((s) => s.transition));
    expect(Math.max(...m)).toBe(2);
    const p = r.issues.find((i) => i.code === "IMPROPER_COMPLETION")!;
    expect(p.message).toBe("The run can reach end e while work is still pending at f → b.");
    expect(p.trace!.map((s) => s.nodeId)).toEqual(["s", "f", "a", "m", "e"]);
  });

  it("dead branch", () => {
    const r = verifyWorkflow(DEFECTS["dead branch: a join that waits for both sides of a choice"]);
    expect(r.sound).toBe(false);
    expect(r.noDeadTransitions).toBe(false);
    expect(r.deadTransitions).toContain("t:j");
    expect(r.deadTransitions).toContain("t:c");
  });

  it("livelock: a loop with no exit has no option to complete, without a deadlock", () => {
    const r = verifyWorkflow(DEFECTS["livelock: a loop with no exit"], { reduce: false });
    expect(r.optionToComplete).toBe(false);
    expect(r.deadlockFree).toBe(true);
    const l = r.issues.find((i) => i.code === "NO_OPTION_TO_COMPLETE")!;
    // Already the initial state is doomed; the trace shows the run going round the loop.
    const nodes = l.trace!.map((s) => s.nodeId);
    expect(nodes.slice(0, 2)).toEqual(["s", "f"]);
    expect(nodes.filter((n) => n === "c").length).toBeGreaterThanOrEqual(1);
    expect(l.message).toContain("can never complete");
    expect(r.issues.map((i) => i.code)).toContain("NOT_ON_PATH");
  });

  it("unbounded: detected, never explored forever", () => {
    const r = verifyWorkflow(DEFECTS["unbounded: a loop that spawns work on every round"], { maxStates: 1_000_000 });
    expect(r.safe).toBe(false);
    expect(r.sound).toBe(false);
    expect(r.budgetExceeded).toBe(false);
    const u = r.issues.find((i) => i.code === "UNBOUNDED")!;
    expect(u.trace!.map((s) => s.nodeId)).toEqual(["s", "m", "f", "a", "m", "f"]);
    expect(r.states).toBeLessThan(100);
  });

  it("improper completion", () => {
    const r = verifyWorkflow(DEFECTS["improper completion: end reached while a branch is still running"]);
    expect(r.properCompletion).toBe(false);
    const p = r.issues.find((i) => i.code === "IMPROPER_COMPLETION")!;
    expect(p.trace!.map((s) => s.nodeId)).toEqual(["s", "f", "a", "x", "e"]);
  });

  it("OR-join: waits for upstream work (sound when structured), deadlocks in a vicious circle", () => {
    const waits = wf("s:start o:inclusive-split a:task b:task c:task j:inclusive-join e:end", "s>o o>a?x_>_1 o>b! a>j b>c c>j j>e", { input: ["x"] });
    expect(verifyWorkflow(waits).sound).toBe(true);
    const afterParallel = wf("s:start f:parallel-split a:task b:task j:inclusive-join e:end", "s>f f>a f>b a>j b>j j>e");
    const r0 = verifyWorkflow(afterParallel);
    expect([r0.sound, r0.safe, r0.noDeadTransitions]).toEqual([true, true, true]);
    const r = verifyWorkflow(DEFECTS["OR-join vicious circle (Kindler 2006): two OR-joins wait for each other"]);
    expect(r.deadlockFree).toBe(false);
    expect(r.issues.find((i) => i.code === "DEADLOCK")!.trace!.map((s) => s.nodeId)).toEqual(["s", "f", "a", "b"]);
  });

  it("cancel regions and terminate ends withdraw pending work", () => {
    const noCancel = wf("s:start f:parallel-split a:task t:timer m:exclusive-merge e:end", "s>f f>a f>t a>m t>m m>e");
    expect(verifyWorkflow(noCancel).safe).toBe(false);
    expect(verifyWorkflow(PATTERNS["WCP19 cancel activity"]).sound).toBe(true);
    const terminate = wf("s:start f:parallel-split a:task b:task te:terminate-end", "s>f f>a f>b a>te b>te");
    const r = verifyWorkflow(terminate);
    expect(r.safe).toBe(true);
    expect(r.noDeadTransitions).toBe(true);
  });
});

describe("structural checks name the nodes", () => {
  it.each([
    ["NO_START", wf("a:task e:end", "a>e"), []],
    ["MANY_STARTS", wf("s1:start s2:start e:end", "s1>e s2>e"), ["s1", "s2"]],
    ["NO_END", wf("s:start a:task", "s>a"), []],
    ["EDGE_OUT_OF_END", wf("s:start a:task e:end", "s>a a>e e>a"), ["e"]],
    ["EDGE_INTO_START", wf("s:start a:task e:end", "s>a a>e a>s"), ["s"]],
    ["NO_INCOMING", wf("s:start a:task b:task e:end", "s>a a>e b>e"), ["b"]],
    ["NO_OUTGOING", wf("s:start a:task b:task e:end", "s>a a>e s>b"), ["b"]],
    ["ERROR_EDGE_FROM_NON_ACTIVITY", wf("s:start x:exclusive-split a:task e:end", "s>x x~>a x>e! a>e"), ["x"]],
    ["EVENT_CHOICE_TARGET", wf("s:start c:event-choice a:task t:timer e:end", "s>c c>a c>t a>e t>e"), ["c", "a"]],
  ])("%s", (code, graph, nodeIds) => {
    const f = verifyWorkflow(graph).issues.find((i) => i.code === code);
    expect(f, JSON.stringify(verifyWorkflow(graph).issues)).toBeDefined();
    expect(f!.nodeIds).toEqual(nodeIds);
  });

  it("reports a node on no path from start to end", () => {
    const r = verifyWorkflow(wf("s:start a:task b:task e:end", "s>a a>e a>b b>b"));
    expect(r.issues.find((i) => i.code === "NOT_ON_PATH")).toMatchObject({ nodeIds: ["b"], message: '"b" cannot reach an end.' });
    expect(r.sound).toBe(false);
  });
});

describe("state budget", () => {
  it("says so when the budget runs out, and never guesses", () => {
    const branches = Array.from({ length: 12 }, (_, i) => i);
    const nodes = `s:start f:parallel-split ${branches.map((i) => `a${i}:task b${i}:task`).join(" ")} j:parallel-join e:end`;
    const edges = `s>f ${branches.map((i) => `f>a${i} a${i}>b${i} b${i}>j`).join(" ")} j>e`;
    const r = verifyWorkflow(wf(nodes, edges), { reduce: false, maxStates: 1000 });
    expect(r.budgetExceeded).toBe(true);
    expect(r.sound).toBeNull();
    expect(r.safe).toBeNull();
    expect(r.issues.map((i) => i.code)).toEqual(["STATE_BUDGET_EXCEEDED"]);
    expect(verifyWorkflow(wf(nodes, edges)).sound).toBe(true);
  });
});

describe("netShape", () => {
  it("predicts the compiled net's size and free-choice property", async () => {
    const { netShape } = await import("./compile");
    const { isFreeChoice } = await import("./verify");
    const { structuredWorkflow } = await import("./fixtures/generate");
    for (const g of [...Object.values(PATTERNS), ...Object.values(DEFECTS), structuredWorkflow(200, 5)]) {
      const { net } = compileWorkflow(g);
      expect(netShape(g)).toEqual({ places: net.places.length, transitions: net.transitions.length, freeChoice: isFreeChoice(net) });
    }
  });
});

describe("partial-order reduction (stubborn sets) beyond the state budget", () => {
  const many = (n: number, broken: boolean) => {
    const idx = Array.from({ length: n }, (_, i) => i);
    const nodes = `s:start f:parallel-split ${idx.map((i) => `a${i}:task b${i}:task`).join(" ")} j:parallel-join ${broken ? "x:exclusive-split c:task d:task k:parallel-join" : ""} e:end`;
    const edges = `s>f ${idx.map((i) => `f>a${i} a${i}>b${i} b${i}>j`).join(" ")} ${broken ? "j>x x>c! x>d?v_>_1 c>k d>k k>e" : "j>e"}`;
    return wf(nodes, edges, broken ? { input: ["v"] } : {});
  };

  it("decides deadlock freedom exactly when the full search runs out", () => {
    const r = verifyWorkflow(many(14, false), { reduce: false, maxStates: 2000 });
    expect(r.budgetExceeded).toBe(true);
    expect(r.deadlockFree).toBe(true);
    expect(r.sound).toBeNull();
  });

  it("finds a deadlock behind 2^14 interleavings, with a run that replays", () => {
    const g = many(14, true);
    const r = verifyWorkflow(g, { reduce: false, maxStates: 2000 });
    expect(r.deadlockFree).toBe(false);
    expect(r.sound).toBe(false);
    const d = r.issues.find((i) => i.code === "DEADLOCK")!;
    const m = replay(g, d.trace!.map((s) => s.transition));
    const { net } = compileWorkflow(g);
    expect(net.transitions.some((t) => hasTokens(t, m))).toBe(false);
    expect(d.nodeIds).toEqual(["k"]);
  });
});
