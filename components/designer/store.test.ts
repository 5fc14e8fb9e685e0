import { describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { addNode, connect, moveNodes, removeElements } from "../../lib/workflow/edit";
import { createDesignerStore, selectCanRedo, selectCanUndo, selectUndoLabel, type DesignerMeta } from "./store";

const META: DesignerMeta = { workflowId: "w", name: "Test", revision: 3, readOnly: false, mayPublish: true, mayForce: false };

describe("[designer] store", () => {
  it("applies edits as undoable steps and marks the draft dirty", () => {
    const g0 = wf("s:start e:end", "s>e");
    const store = createDesignerStore(META, g0);
    expect(store.getState().save.status).toBe("saved");
    store.getState().apply("Add task", (g) => addNode(g, "task", { x: 10, y: 10 }).graph);
    expect(store.getState().history.present.nodes).toHaveLength(3);
    expect(store.getState().save.status).toBe("dirty");
    expect(selectUndoLabel(store.getState())).toBe("Add task");
    store.getState().undo();
    expect(store.getState().history.present).toBe(g0);
    expect(selectCanRedo(store.getState())).toBe(true);
    store.getState().redo();
    expect(store.getState().history.present.nodes).toHaveLength(3);
  });

  it("an edit that throws changes nothing and tells the person why", () => {
    const g0 = wf("s:start a:task e:end", "s>a a>e");
    const store = createDesignerStore(META, g0);
    store.getState().apply("Connect", (g) => connect(g, "e", "a").graph);
    expect(store.getState().history.present).toBe(g0);
    expect(store.getState().notice).toMatchObject({ tone: "error", text: expect.stringMatching(/after an end/) });
    expect(selectCanUndo(store.getState())).toBe(false);
    // The next edit clears the notice.
    store.getState().apply("Move", (g) => moveNodes(g, { a: { x: 5, y: 5 } }));
    expect(store.getState().notice).toBeNull();
  });

  it("typing in one field is one undo step; another field starts a new one", () => {
    const store = createDesignerStore(META, wf("s:start a:task e:end", "s>a a>e"));
    for (const label of ["R", "Re", "Rev", "Review"]) store.getState().apply("Rename", (g) => ({ ...g, nodes: g.nodes.map((n) => (n.id === "a" ? { ...n, label } : n)) }), "node:a:label");
    store.getState().apply("Outputs", (g) => ({ ...g, nodes: g.nodes.map((n) => (n.id === "a" ? { ...n, outputs: ["x"] } : n)) }), "node:a:outputs");
    expect(store.getState().history.past).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().history.present.nodes[1]!.label).toBe("Review");
    store.getState().undo();
    expect(store.getState().history.present.nodes[1]!.label).toBeUndefined();
  });

  it("a read-only store refuses every edit", () => {
    const g0 = wf("s:start e:end", "s>e");
    const store = createDesignerStore({ ...META, readOnly: true }, g0);
    store.getState().apply("Delete", (g) => removeElements(g, ["s"]));
    expect(store.getState().history.present).toBe(g0);
    expect(selectCanUndo(store.getState())).toBe(false);
    expect(store.getState().save.status).toBe("saved");
  });

  it("load replaces the graph and history (a reload), keeping nothing to undo", () => {
    const store = createDesignerStore(META, wf("s:start e:end", "s>e"));
    store.getState().apply("Add", (g) => addNode(g, "timer", { x: 0, y: 0 }).graph);
    store.getState().select({ nodes: ["timer_1"], edges: [] });
    const latest = wf("s:start a:task e:end", "s>a a>e");
    store.getState().load(latest, 7);
    const s = store.getState();
    expect(s.history.present).toBe(latest);
    expect(s.meta.revision).toBe(7);
    expect(s.selection).toEqual({ nodes: [], edges: [] });
    expect(s.save.status).toBe("saved");
    expect(selectCanUndo(s)).toBe(false);
  });

  it("selection updates only when it changes (no re-render for the same selection)", () => {
    const store = createDesignerStore(META, wf("s:start e:end", "s>e"));
    store.getState().select({ nodes: ["s"], edges: [] });
    const first = store.getState().selection;
    store.getState().select({ nodes: ["s"], edges: [] });
    expect(store.getState().selection).toBe(first);
  });
});
