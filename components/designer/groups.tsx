"use client";
/**
 * Group frames: a labelled, dashed frame around the nodes of each group (a sub-flow), drawn in
 * the canvas's coordinates behind the nodes. Clicking the label selects the group's nodes, so
 * they can be moved, copied or deleted together.
 */
import { ViewportPortal } from "@xyflow/react";
import { useMemo } from "react";
import { nodeSize } from "./node-look";
import { selectGraph, useDesigner, useDesignerStore } from "./store";

const PAD = 24;

export function GroupFrames() {
  const store = useDesignerStore();
  const graph = useDesigner(selectGraph);
  const frames = useMemo(() => {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    return (graph.groups ?? []).map((g) => {
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      for (const id of g.nodes) {
        const n = byId.get(id);
        if (!n) continue;
        const { width, height } = nodeSize(n.kind);
        x0 = Math.min(x0, n.position.x);
        y0 = Math.min(y0, n.position.y);
        x1 = Math.max(x1, n.position.x + width);
        y1 = Math.max(y1, n.position.y + height + 18); // captions under events and gateways
      }
      return { group: g, x: x0 - PAD, y: y0 - PAD - 14, w: x1 - x0 + 2 * PAD, h: y1 - y0 + 2 * PAD + 14 };
    });
  }, [graph]);
  if (!frames.length) return null;
  return (
    <ViewportPortal>
      {frames.map((f) => (
        <div key={f.group.id} className="group-frame" data-testid="group-frame" style={{ transform: `translate(${f.x}px, ${f.y}px)`, width: f.w, height: f.h }}>
          <button type="button" className="group-label nodrag" onClick={() => store.getState().select({ nodes: f.group.nodes, edges: [] })} title="Select the steps of this group">
            {f.group.label || f.group.id}
          </button>
        </div>
      ))}
    </ViewportPortal>
  );
}
