/**
 * Auto-layout with dagre (layered, left to right): returns new positions for every node, which
 * the designer commits as one undoable edit.
 */
import dagre from "@dagrejs/dagre";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { nodeSize } from "./node-look";

export function autoLayout(graph: WorkflowGraph): Record<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    const { width, height } = nodeSize(n.kind);
    g.setNode(n.id, { width, height });
  }
  for (const e of graph.edges) g.setEdge(e.source, e.target, {}, e.id);
  dagre.layout(g);
  const out: Record<string, { x: number; y: number }> = {};
  for (const n of graph.nodes) {
    const p = g.node(n.id);
    const { width, height } = nodeSize(n.kind);
    // dagre gives centres; React Flow positions are top-left corners. Snap to the 10 px grid.
    out[n.id] = { x: Math.round((p.x - width / 2) / 10) * 10, y: Math.round((p.y - height / 2) / 10) * 10 };
  }
  return out;
}
