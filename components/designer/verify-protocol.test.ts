import { describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { addNode, connect, moveNodes, updateEdge, updateNode, updateWorkflow } from "../../lib/workflow/edit";
import { applyPatch, graphPatch, verdictMayChange } from "./verify-protocol";

describe("[designer] when to verify again", () => {
  const g = wf("s:start x:exclusive-split a:task b:task m:exclusive-merge e:end", "s>x x>a! x>b?v_>_1 a>m b>m m>e", { input: ["v"] });
  it("not after moves; after every other kind of edit", () => {
    expect(verdictMayChange(null, g)).toBe(true);
    expect(verdictMayChange(g, g)).toBe(false);
    expect(verdictMayChange(g, moveNodes(g, { a: { x: 500, y: 500 }, b: { x: 1, y: 2 } }))).toBe(false);
    expect(verdictMayChange(g, updateNode(g, "a", { label: "Renamed" }))).toBe(true);
    expect(verdictMayChange(g, updateNode(g, "a", { config: { type: "log", message: "x" } }))).toBe(true);
    expect(verdictMayChange(g, updateEdge(g, g.edges[2]!.id, { condition: "v > 2" }))).toBe(true);
    expect(verdictMayChange(g, addNode(g, "task", { x: 0, y: 0 }).graph)).toBe(true);
    const withTask = addNode(g, "task", { x: 0, y: 0 }).graph;
    expect(verdictMayChange(withTask, connect(withTask, "m", "task_1").graph)).toBe(true);
    expect(verdictMayChange(g, updateWorkflow(g, { input: { v: { type: "string" } } }))).toBe(true);
    expect(verdictMayChange(g, updateWorkflow(g, { runTimeoutMs: 60_000 }))).toBe(true);
  });
});

describe("[designer] patches to the verification worker", () => {
  it("a patch applied to the previous graph gives the next one; reordering or resizing sends the whole graph", () => {
    const g = wf("s:start a:task b:task e:end", "s>a a>b b>e", { input: ["v"] });
    for (const next of [updateNode(g, "a", { label: "A" }), updateEdge(g, g.edges[0]!.id, { label: "go" }), updateWorkflow(g, { runTimeoutMs: 5000 }), moveNodes(g, { b: { x: 9, y: 9 } })]) {
      const patch = graphPatch(g, next);
      expect(patch).not.toBeNull();
      expect(applyPatch(g, patch!)).toEqual(next);
      expect(patch!.nodes.length).toBeLessThanOrEqual(1);
    }
    expect(graphPatch(g, addNode(g, "task", { x: 0, y: 0 }).graph)).toBeNull();
    expect(graphPatch(g, { ...g, nodes: [...g.nodes].reverse() })).toBeNull();
  });
});
