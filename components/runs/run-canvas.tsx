"use client";
/**
 * The workflow drawn read-only with the run on it: each node's state as colour and icon (also
 * readable without colour), tokens on the edges that hold them — a new token starts at the step
 * that produced it and glides onto its edge.
 */
import { Background, BackgroundVariant, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, ReactFlowProvider, ViewportPortal, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import type { Net } from "../../lib/petri/net";
import type { NodeState } from "../../lib/runs/run-view";
import { KIND_TITLES } from "../../lib/workflow/edit";
import type { WorkflowGraph, WorkflowNode } from "../../lib/workflow/schema";
import { gatewaySymbol, Icon, iconName, nodeSize, shapeOf } from "../designer/node-look";

type RunNodeData = { node: WorkflowNode; state: NodeState; selected: boolean };

export const STATE_ICON: Record<NodeState, string> = { pending: "○", running: "⟳", retrying: "↻", waiting: "⏳", done: "✓", failed: "✕", cancelled: "⊘", skipped: "–", compensated: "↶" };

const RunNode = memo(function RunNode({ data }: NodeProps<Node<RunNodeData, "run">>) {
  const { node, state } = data;
  const shape = shapeOf(node.kind);
  const { width, height } = nodeSize(node.kind);
  const label = node.label ?? node.id;
  return (
    <div className={`pn pn-${shape} pn-${node.kind} rs rs-${state}${data.selected ? " is-selected" : ""}`} style={{ width, height }} data-testid="run-node" data-node-id={node.id} data-state={state} title={`${label}: ${state}`}>
      <Handle type="target" position={Position.Left} className="pn-handle" isConnectable={false} />
      {shape === "activity" ? (
        <div className="pn-box">
          <Icon name={iconName(node.kind, node.config?.type)} />
          <div className="pn-text">
            <span className="pn-label">{label}</span>
            <span className="pn-sub">{node.kind === "task" ? String(node.config?.type ?? "task") : KIND_TITLES[node.kind]}</span>
          </div>
        </div>
      ) : shape === "gateway" ? (
        <div className="pn-diamond" aria-hidden="true">
          <span className="pn-symbol">{gatewaySymbol(node.kind)}</span>
        </div>
      ) : (
        <div className="pn-circle" aria-hidden="true" />
      )}
      {shape !== "activity" ? <span className="pn-caption">{label}</span> : null}
      <span className={`rs-badge rs-badge-${state}`} aria-label={state}>
        {STATE_ICON[state]}
      </span>
      <Handle type="source" position={Position.Right} className="pn-handle" isConnectable={false} />
      <Handle type="source" id="error" position={Position.Bottom} className="pn-handle" isConnectable={false} />
    </div>
  );
});

const NODE_TYPES = { run: RunNode };

function centre(g: WorkflowGraph, id: string) {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) return null;
  const { width, height } = nodeSize(n.kind);
  return { x: n.position.x + width / 2, y: n.position.y + height / 2 };
}

function edgeMid(g: WorkflowGraph, edgeId: string) {
  const e = g.edges.find((x) => x.id === edgeId);
  if (!e) return null;
  const s = g.nodes.find((n) => n.id === e.source);
  const t = g.nodes.find((n) => n.id === e.target);
  if (!s || !t) return null;
  const ss = nodeSize(s.kind);
  const ts = nodeSize(t.kind);
  const from = e.kind === "error" ? { x: s.position.x + ss.width / 2, y: s.position.y + ss.height } : { x: s.position.x + ss.width, y: s.position.y + ss.height / 2 };
  return { x: (from.x + t.position.x) / 2, y: (from.y + t.position.y + ts.height / 2) / 2, from: e.source };
}

/** A token that appears at the step that produced it and glides onto its edge. */
function Token({ x, y, fromX, fromY, count }: { x: number; y: number; fromX: number; fromY: number; count: number }) {
  const [at, setAt] = useState({ x: fromX, y: fromY });
  useEffect(() => {
    const raf = requestAnimationFrame(() => setAt({ x, y }));
    return () => cancelAnimationFrame(raf);
  }, [x, y]);
  return (
    <div className={`token${count > 1 ? " token-many" : ""}`} data-testid="token" style={{ transform: `translate(${at.x - 7}px, ${at.y - 7}px)` }}>
      {count > 1 ? count : ""}
    </div>
  );
}

export function RunCanvas({ graph, net, states, marking, selected, onSelect }: { graph: WorkflowGraph; net: Net; states: Map<string, NodeState>; marking: number[]; selected: string | null; onSelect(nodeId: string | null): void }) {
  // Node and edge objects are reused while their state is unchanged, so React Flow redraws only
  // the steps an event touched.
  const nodeCache = useRef(new Map<string, Node<RunNodeData, "run">>());
  const nodesRef = useRef<Node<RunNodeData, "run">[]>([]);
  const edgesRef = useRef<Edge[]>([]);
  const nodes = useMemo<Node<RunNodeData, "run">[]>(() => {
    const next = graph.nodes.map((n) => {
      const state = states.get(n.id) ?? "pending";
      const isSelected = selected === n.id;
      const prev = nodeCache.current.get(n.id);
      if (prev && prev.data.node === n && prev.data.state === state && prev.data.selected === isSelected) return prev;
      // Sizes are known per kind: giving them (as measured) spares React Flow re-measuring a node
      // each time its state changes, which forced a layout per event.
      const size = nodeSize(n.kind);
      return { id: n.id, type: "run" as const, position: n.position, data: { node: n, state, selected: isSelected }, draggable: false, connectable: false, selected: isSelected, width: size.width, height: size.height, measured: size };
    });
    const before = nodesRef.current;
    if (before.length === next.length && before.every((n, i) => n === next[i])) return before;
    nodeCache.current = new Map(next.map((n) => [n.id, n]));
    nodesRef.current = next;
    return next;
  }, [graph, states, selected]);
  const edgeCache = useRef(new Map<string, Edge>());
  const edges = useMemo<Edge[]>(() => {
    const next = graph.edges.map((e) => {
      const className = `${e.kind === "error" ? "edge-error" : ""}${states.get(e.source) === "done" && states.get(e.target) !== "pending" && states.get(e.target) !== "skipped" ? " edge-taken" : ""}`;
      const prev = edgeCache.current.get(e.id);
      if (prev && prev.className === className && prev.source === e.source && prev.target === e.target) return prev;
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        ...(e.kind === "error" ? { sourceHandle: "error" } : {}),
        type: "smoothstep",
        className,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        ...(e.condition || e.isDefault ? { label: e.isDefault ? "default" : e.condition } : {}),
        selectable: false,
      } satisfies Edge;
    });
    const before = edgesRef.current;
    if (before.length === next.length && before.every((e, i) => e === next[i])) return before;
    edgeCache.current = new Map(next.map((e) => [e.id, e]));
    edgesRef.current = next;
    return next;
  }, [graph, states]);
  const tokens = useMemo(() => {
    const out: Array<{ key: string; x: number; y: number; fromX: number; fromY: number; count: number }> = [];
    marking.forEach((count, i) => {
      if (count <= 0) return;
      const origin = net.places[i]?.origin;
      if (!origin) return;
      if (origin.edgeId) {
        const m = edgeMid(graph, origin.edgeId);
        const c = m ? centre(graph, m.from) : null;
        if (m && c) out.push({ key: `${origin.edgeId}`, x: m.x, y: m.y, fromX: c.x, fromY: c.y, count });
      } else if (origin.nodeId) {
        const c = centre(graph, origin.nodeId);
        if (c) out.push({ key: `node:${origin.nodeId}:${i}`, x: c.x, y: c.y, fromX: c.x, fromY: c.y, count });
      }
    });
    return out;
  }, [marking, net, graph]);
  return (
    <div className="canvas run-canvas" data-testid="run-canvas">
      <ReactFlowProvider>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable
          onNodeClick={(_, n) => onSelect(n.id)}
          onPaneClick={() => onSelect(null)}
          onlyRenderVisibleElements
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
          minZoom={0.05}
          proOptions={{ hideAttribution: true }}
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
          {/* The minimap redraws every node on each change: on large graphs it would cost every event a frame. */}
          {graph.nodes.length <= 150 ? <MiniMap pannable zoomable ariaLabel="Overview" /> : null}
          <Controls showInteractive={false} />
          <ViewportPortal>
            {tokens.map((t) => (
              <Token key={t.key} x={t.x} y={t.y} fromX={t.fromX} fromY={t.fromY} count={t.count} />
            ))}
          </ViewportPortal>
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
