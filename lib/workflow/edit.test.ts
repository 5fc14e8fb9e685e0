import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verifyWorkflow } from "../petri/verify";
import { wf } from "../petri/fixtures/build";
import { addNode, canConnect, connect, copy, diffGraphs, emptyGraph, groupNodes, moveNodes, paste, reconnect, removeElements, renameGroup, ungroup, updateEdge, updateNode } from "./edit";
import { canRedo, canUndo, commit, createHistory, HISTORY_LIMIT, redo, undo, undoLabel } from "./history";
import { parseWorkflow } from "./schema";

describe("[designer] graph edits", () => {
  it("builds start -> task -> parallel split -> two tasks -> join -> end, which is valid and sound", () => {
    let g = emptyGraph();
    const add = (kind: Parameters<typeof addNode>[1], x: number, plugin?: string) => {
      const r = addNode(g, kind, { x, y: 0 }, plugin);
      g = r.graph;
      return r.id;
    };
    const s = add("start", 0);
    const a = add("task", 100, "log");
    const f = add("parallel-split", 200);
    const b = add("task", 300);
    const c = add("task", 300);
    const j = add("parallel-join", 400);
    const e = add("end", 500);
    for (const [x, y] of [[s, a], [a, f], [f, b], [f, c], [b, j], [c, j], [j, e]] as const) g = connect(g, x, y).graph;
    expect(new Set(g.nodes.map((n) => n.id)).size).toBe(7);
    expect(g.nodes.find((n) => n.id === a)!.config).toEqual({ type: "log" });
    const parsed = parseWorkflow(g);
    expect(parsed.ok).toBe(true);
    expect(verifyWorkflow(g).sound).toBe(true);
  });

  it("refuses edges that make no sense, saying why", () => {
    const g = wf("s:start a:task x:exclusive-split c:event-choice t:timer e:end", "s>a a>e");
    const reason = (from: string, to: string, kind?: "flow" | "error") => {
      const r = canConnect(g, from, to, kind);
      return r.ok ? "ok" : r.reason;
    };
    expect(reason("e", "a")).toMatch(/after an end/);
    expect(reason("a", "s")).toMatch(/into a start/);
    expect(reason("a", "a")).toMatch(/itself/);
    expect(reason("s", "a")).toMatch(/already connected/);
    expect(reason("x", "e", "error")).toMatch(/cannot fail/);
    expect(reason("c", "a")).toMatch(/only to timers and signal waits/);
    expect(reason("c", "t")).toBe("ok");
    expect(reason("a", "t")).toBe("ok");
    expect(() => connect(g, "e", "a")).toThrow(/after an end/);
    expect(() => reconnect(g, g.edges[0]!.id, "a", "s")).toThrow(/into a start/);
  });

  it("removing a node removes its edges and the references to it; nothing is mutated", () => {
    const g = wf("s:start a:task b:task e:end", "s>a a>b b>e");
    g.nodes[1]!.cancels = ["b"];
    g.nodes[1]!.compensate = "b";
    const frozen = JSON.stringify(g);
    const after = removeElements(g, ["b"]);
    expect(after.nodes.map((n) => n.id)).toEqual(["s", "a", "e"]);
    expect(after.edges.map((e) => `${e.source}>${e.target}`)).toEqual(["s>a"]);
    expect(after.nodes[1]!.cancels).toBeUndefined();
    expect(after.nodes[1]!.compensate).toBeUndefined();
    expect(JSON.stringify(g)).toBe(frozen);
  });

  it("copy and paste give fresh ids, keep inner edges and shift positions", () => {
    const g = wf("s:start a:task b:task e:end", "s>a a>b b>e");
    const clip = copy(g, ["a", "b"]);
    expect(clip.edges).toHaveLength(1);
    const { graph, nodeIds } = paste(g, clip);
    expect(nodeIds).toHaveLength(2);
    expect(nodeIds.some((id) => ["a", "b"].includes(id))).toBe(false);
    const pasted = graph.edges.filter((e) => nodeIds.includes(e.source));
    expect(pasted.map((e) => [e.source, e.target])).toEqual([[nodeIds[0], nodeIds[1]]]);
    expect(graph.nodes.find((n) => n.id === nodeIds[0])!.position).toEqual({ x: g.nodes[1]!.position.x + 40, y: 40 });
    expect(parseWorkflow(graph).ok).toBe(true);
  });

  it("a default branch clears its siblings' default flag", () => {
    let g = wf("s:start x:exclusive-split a:task b:task m:exclusive-merge e:end", "s>x x>a! x>b?x_>_1 a>m b>m m>e", { input: ["x"] });
    const [toA, toB] = g.edges.filter((e) => e.source === "x");
    g = updateEdge(g, toB!.id, { isDefault: true, condition: undefined });
    expect(g.edges.find((e) => e.id === toA!.id)!.isDefault).toBeUndefined();
    expect(g.edges.find((e) => e.id === toB!.id)).toMatchObject({ isDefault: true });
    expect("condition" in g.edges.find((e) => e.id === toB!.id)!).toBe(false);
  });

  it("diffs two graphs by id, ignoring moves", () => {
    const a = wf("s:start x:task y:task e:end", "s>x x>y y>e");
    let b = moveNodes(a, { x: { x: 999, y: 999 } });
    b = updateNode(b, "y", { label: "Renamed" });
    b = removeElements(b, [], [b.edges[2]!.id]);
    b = addNode(b, "task", { x: 0, y: 0 }).graph;
    const d = diffGraphs(a, b);
    expect(d.nodes).toEqual({ added: ["task_1"], removed: [], changed: ["y"] });
    expect(d.edges.removed).toHaveLength(1);
  });
});

describe("[designer] undo/redo stack", () => {
  it("undoes and redoes every edit in order; a new edit clears the redo stack", () => {
    const g0 = wf("s:start e:end", "s>e");
    let h = createHistory(g0);
    const g1 = addNode(h.present, "task", { x: 1, y: 1 }).graph;
    h = commit(h, g1, "Add task");
    const g2 = updateNode(h.present, "s", { label: "Begin" });
    h = commit(h, g2, "Rename");
    expect(undoLabel(h)).toBe("Rename");
    h = undo(h);
    expect(h.present).toBe(g1);
    h = undo(h);
    expect(h.present).toBe(g0);
    expect(canUndo(h)).toBe(false);
    h = redo(h);
    expect(h.present).toBe(g1);
    h = commit(h, removeElements(h.present, ["e"]), "Delete");
    expect(canRedo(h)).toBe(false);
    h = undo(h);
    expect(h.present).toBe(g1);
  });

  it("coalesces a drag into one step, and ignores edits that change nothing", () => {
    const g0 = wf("s:start a:task e:end", "s>a a>e");
    let h = createHistory(g0);
    for (let i = 1; i <= 20; i++) h = commit(h, moveNodes(h.present, { a: { x: i, y: i } }), "Move", "move:a");
    expect(h.past).toHaveLength(1);
    h = commit(h, moveNodes(h.present, { a: { x: 20, y: 20 } }), "Move", "move:a");
    expect(h.past).toHaveLength(1);
    h = undo(h);
    expect(h.present).toBe(g0);
  });

  it("property: any sequence of edits, undone completely, gives back the first graph; redone, the newest", () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant("add" as const), x: fc.integer({ min: 0, max: 500 }) }),
      fc.record({ t: fc.constant("move" as const), i: fc.nat(), x: fc.integer({ min: -50, max: 50 }) }),
      fc.record({ t: fc.constant("remove" as const), i: fc.nat() }),
      fc.record({ t: fc.constant("undo" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const g0 = wf("s:start a:task e:end", "s>a a>e");
        let h = createHistory(g0);
        for (const o of ops) {
          const g = h.present;
          if (o.t === "add") h = commit(h, addNode(g, "task", { x: o.x, y: 0 }).graph, "Add");
          else if (o.t === "move" && g.nodes.length) h = commit(h, moveNodes(g, { [g.nodes[o.i % g.nodes.length]!.id]: { x: o.x, y: o.x } }), "Move");
          else if (o.t === "remove" && g.nodes.length) h = commit(h, removeElements(g, [g.nodes[o.i % g.nodes.length]!.id]), "Delete");
          else if (o.t === "undo") h = undo(h);
        }
        let tip = h;
        while (canRedo(tip)) tip = redo(tip);
        const last = tip.present;
        while (canUndo(h)) h = undo(h);
        expect(h.present).toBe(g0);
        while (canRedo(h)) h = redo(h);
        expect(h.present).toBe(last);
      }),
    );
  });

  it("keeps at most HISTORY_LIMIT steps", () => {
    let h = createHistory(emptyGraph());
    for (let i = 0; i < HISTORY_LIMIT + 10; i++) h = commit(h, addNode(h.present, "task", { x: i, y: 0 }).graph, "Add");
    expect(h.past).toHaveLength(HISTORY_LIMIT);
  });
});

describe("[designer] groups", () => {
  it("groups nodes, moves a node between groups, renames, ungroups; removing members shrinks or drops the group", () => {
    let g = wf("s:start a:task b:task c:task e:end", "s>a a>b b>c c>e");
    const first = groupNodes(g, ["a", "b"], "Review");
    g = first.graph;
    expect(g.groups).toEqual([{ id: "group_1", label: "Review", nodes: ["a", "b"] }]);
    const second = groupNodes(g, ["b", "c"]);
    g = second.graph;
    expect(g.groups).toEqual([
      { id: "group_1", label: "Review", nodes: ["a"] },
      { id: "group_2", label: "Group 2", nodes: ["b", "c"] },
    ]);
    expect(parseWorkflow(g).ok).toBe(true);
    g = renameGroup(g, "group_2", "Payment");
    expect(g.groups![1]!.label).toBe("Payment");
    g = removeElements(g, ["a"]);
    expect(g.groups!.map((x) => x.id)).toEqual(["group_2"]);
    expect("groups" in removeElements(g, ["b", "c"])).toBe(false);
    g = ungroup(g, "group_2");
    expect("groups" in g).toBe(false);
    expect(() => groupNodes(g, [])).toThrow(/Select the steps/);
  });

  it("the format refuses a group naming an unknown node, or a node in two groups", () => {
    const g = wf("s:start a:task e:end", "s>a a>e");
    const bad = { ...g, groups: [{ id: "x", label: "X", nodes: ["a", "zzz"] }, { id: "y", label: "Y", nodes: ["a"] }] };
    const r = parseWorkflow(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.message).join(" ")).toMatch(/unknown node "zzz".*two groups/);
  });
});
