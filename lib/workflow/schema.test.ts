import { describe, expect, it } from "vitest";
import { WorkflowGraphSchema } from "./schema";

const node = (id: string, kind: string) => ({ id, kind, position: { x: 0, y: 0 } });

describe("WorkflowGraphSchema", () => {
  it("accepts a start -> task -> end graph", () => {
    const g = WorkflowGraphSchema.parse({
      petrel: 1,
      nodes: [node("s", "start"), { ...node("t", "task"), config: { type: "log" } }, node("e", "end")],
      edges: [
        { id: "e1", source: "s", target: "t" },
        { id: "e2", source: "t", target: "e" },
      ],
    });
    expect(g.edges[0]?.kind).toBe("flow");
  });

  it("names the format version when it is missing or wrong", () => {
    const r = WorkflowGraphSchema.safeParse({ petrel: 2, nodes: [], edges: [] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["petrel"]);
    expect(r.error?.issues[0]?.message).toContain('"petrel": 1');
  });

  it("reports duplicate node ids and edges to unknown nodes with their paths", () => {
    const r = WorkflowGraphSchema.safeParse({
      petrel: 1,
      nodes: [node("a", "start"), node("a", "end")],
      edges: [{ id: "x", source: "a", target: "zz" }],
    });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toEqual(['nodes.1.id: duplicate node id "a"', 'edges.0.target: edge "x" names unknown node "zz"']);
  });

  it("rejects unknown node kinds", () => {
    const r = WorkflowGraphSchema.safeParse({ petrel: 1, nodes: [node("a", "teleport")], edges: [] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["nodes", 0, "kind"]);
  });
});
